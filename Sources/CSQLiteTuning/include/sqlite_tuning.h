#ifndef TOLLGUARD_SQLITE_TUNING_H
#define TOLLGUARD_SQLITE_TUNING_H

/// Turns off SQLite's memory-usage statistics, which take a global mutex on every allocation.
/// Must run before SQLite initializes; returns the SQLite result code (SQLITE_MISUSE if too late).
int tollguard_sqlite_disable_memory_statistics(void);

#endif
