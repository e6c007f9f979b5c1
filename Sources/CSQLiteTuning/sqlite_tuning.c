// sqlite3_config is variadic, so Swift cannot call it directly; these are the C functions we need.
#include <sqlite3.h>
#include "sqlite_tuning.h"

int tollguard_sqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
