import Foundation
import GRDB

extension TollGuardDatabase {
    /// The schema's history.
    ///
    /// A shipped migration is never edited; changes are new migrations.
    package static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-calls-ingest") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ingested_files (
                        id INTEGER PRIMARY KEY,
                        fingerprint TEXT NOT NULL UNIQUE,
                        path TEXT NOT NULL,
                        format TEXT NOT NULL,
                        compressed INTEGER NOT NULL DEFAULT 0,
                        committed_offset INTEGER NOT NULL DEFAULT 0,
                        committed_line INTEGER NOT NULL DEFAULT 0,
                        checkpoint_tail_hash TEXT,
                        checkpoint_tail_length INTEGER NOT NULL DEFAULT 0,
                        rows_read INTEGER NOT NULL DEFAULT 0,
                        inserted INTEGER NOT NULL DEFAULT 0,
                        duplicates INTEGER NOT NULL DEFAULT 0,
                        rejected INTEGER NOT NULL DEFAULT 0,
                        first_ingested_utc TEXT NOT NULL,
                        last_ingested_utc TEXT NOT NULL,
                        completed_utc TEXT
                    );
                    CREATE TABLE calls (
                        id INTEGER PRIMARY KEY,
                        key_hash INTEGER UNIQUE,
                        dedup_key TEXT NOT NULL,
                        call_id TEXT NOT NULL,
                        account TEXT NOT NULL,
                        caller_number TEXT NOT NULL,
                        caller_name TEXT NOT NULL,
                        destination TEXT NOT NULL,
                        context TEXT NOT NULL,
                        source_ip TEXT,
                        trunk TEXT,
                        start_utc TEXT NOT NULL,
                        answer_utc TEXT,
                        end_utc TEXT NOT NULL,
                        duration INTEGER NOT NULL,
                        billsec INTEGER NOT NULL,
                        disposition TEXT NOT NULL,
                        hangup_cause TEXT NOT NULL,
                        user_agent TEXT,
                        source_format TEXT NOT NULL,
                        file_id INTEGER REFERENCES ingested_files(id),
                        line INTEGER
                    );
                    CREATE INDEX calls_by_start ON calls(start_utc);
                    CREATE INDEX calls_with_colliding_hash ON calls(dedup_key) WHERE key_hash IS NULL;
                    CREATE TABLE rejected_rows (
                        id INTEGER PRIMARY KEY,
                        file_id INTEGER NOT NULL REFERENCES ingested_files(id),
                        path TEXT NOT NULL,
                        line INTEGER NOT NULL,
                        reason_code TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        column_number INTEGER,
                        raw_row BLOB NOT NULL,
                        truncated INTEGER NOT NULL DEFAULT 0,
                        rejected_utc TEXT NOT NULL,
                        UNIQUE(file_id, line)
                    );
                    CREATE VIEW daily_calls_per_account AS
                        SELECT account, substr(start_utc, 1, 10) AS day_utc,
                               count(*) AS calls,
                               sum(disposition = 'answered') AS answered,
                               sum(billsec) AS billsec
                        FROM calls GROUP BY account, day_utc;
                    CREATE VIEW ingest_status AS
                        SELECT id, path, format, rows_read, inserted, duplicates, rejected,
                               committed_line, committed_offset, completed_utc IS NOT NULL AS completed,
                               last_ingested_utc
                        FROM ingested_files;
                    """)
        }
        migrator.registerMigration("v2-number-intelligence") { db in
            try db.execute(
                sql: """
                    ALTER TABLE calls ADD COLUMN dest_scope TEXT;
                    ALTER TABLE calls ADD COLUMN dest_e164 TEXT;
                    ALTER TABLE calls ADD COLUMN dest_region TEXT;
                    ALTER TABLE calls ADD COLUMN dest_calling_code INTEGER;
                    ALTER TABLE calls ADD COLUMN dest_type TEXT;
                    ALTER TABLE calls ADD COLUMN dest_risk TEXT;
                    ALTER TABLE calls ADD COLUMN dest_hotspot TEXT;
                    ALTER TABLE calls ADD COLUMN rate_prefix TEXT;
                    ALTER TABLE calls ADD COLUMN cost_micros INTEGER;
                    CREATE TABLE rate_deck (
                        id INTEGER PRIMARY KEY,
                        prefix TEXT NOT NULL,
                        destination TEXT NOT NULL,
                        rate_per_min_micros INTEGER NOT NULL,
                        connect_fee_micros INTEGER NOT NULL DEFAULT 0,
                        billing TEXT NOT NULL DEFAULT '60/60',
                        currency TEXT NOT NULL,
                        effective_from_utc TEXT,
                        imported_utc TEXT NOT NULL,
                        source_path TEXT NOT NULL
                    );
                    CREATE TABLE fraud_lists (
                        name TEXT PRIMARY KEY,
                        source_path TEXT NOT NULL,
                        imported_utc TEXT NOT NULL
                    );
                    CREATE TABLE fraud_list_entries (
                        list_name TEXT NOT NULL REFERENCES fraud_lists(name) ON DELETE CASCADE,
                        kind TEXT NOT NULL CHECK (kind IN ('number', 'ip')),
                        value TEXT NOT NULL,
                        PRIMARY KEY (list_name, kind, value)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v3-analysis") { db in
            try db.execute(
                sql: """
                    ALTER TABLE calls ADD COLUMN rate_per_min_micros INTEGER;
                    CREATE TABLE alerts (
                        id INTEGER PRIMARY KEY,
                        rule TEXT NOT NULL,
                        severity TEXT NOT NULL,
                        severity_rank INTEGER NOT NULL,
                        subject_type TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        window_key TEXT,
                        first_seen_utc TEXT NOT NULL,
                        last_seen_utc TEXT NOT NULL,
                        summary TEXT NOT NULL,
                        headline TEXT NOT NULL,
                        metrics TEXT NOT NULL,
                        call_count INTEGER NOT NULL,
                        cost_micros INTEGER NOT NULL,
                        state TEXT NOT NULL DEFAULT 'open'
                            CHECK (state IN ('open', 'acknowledged', 'resolved', 'false_positive')),
                        state_by TEXT,
                        state_utc TEXT,
                        state_comment TEXT,
                        created_utc TEXT NOT NULL,
                        updated_utc TEXT NOT NULL
                    );
                    CREATE INDEX alerts_by_rule_subject ON alerts(rule, subject_type, subject, last_seen_utc);
                    CREATE INDEX alerts_by_last_seen ON alerts(last_seen_utc);
                    CREATE TABLE alert_calls (
                        alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
                        call_key TEXT NOT NULL,
                        call_row_id INTEGER,
                        at_utc TEXT NOT NULL,
                        number TEXT NOT NULL,
                        region TEXT,
                        cost_micros INTEGER NOT NULL,
                        PRIMARY KEY (alert_id, call_key)
                    ) WITHOUT ROWID;
                    CREATE TABLE alert_history (
                        id INTEGER PRIMARY KEY,
                        alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
                        state TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        at_utc TEXT NOT NULL,
                        comment TEXT
                    );
                    CREATE TABLE alert_suppressions (
                        rule TEXT NOT NULL,
                        subject_type TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        from_utc TEXT NOT NULL,
                        until_utc TEXT NOT NULL,
                        alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
                        PRIMARY KEY (rule, subject_type, subject, alert_id)
                    ) WITHOUT ROWID;
                    CREATE TABLE quotas (
                        account TEXT PRIMARY KEY,
                        daily_micros INTEGER NOT NULL CHECK (daily_micros >= 0),
                        currency TEXT NOT NULL,
                        set_by TEXT NOT NULL,
                        set_utc TEXT NOT NULL
                    );
                    CREATE TABLE analysis_runs (
                        id INTEGER PRIMARY KEY,
                        from_utc TEXT NOT NULL,
                        to_utc TEXT NOT NULL,
                        started_utc TEXT NOT NULL,
                        finished_utc TEXT NOT NULL,
                        calls INTEGER NOT NULL,
                        findings INTEGER NOT NULL,
                        new_alerts INTEGER NOT NULL,
                        updated_alerts INTEGER NOT NULL
                    );
                    CREATE VIEW open_alerts AS
                        SELECT id, severity, rule, subject_type, subject, first_seen_utc, last_seen_utc, call_count,
                               cost_micros, summary, state
                        FROM alerts WHERE state IN ('open', 'acknowledged')
                        ORDER BY severity_rank DESC, last_seen_utc DESC;
                    CREATE VIEW daily_spend_per_account AS
                        SELECT account, substr(start_utc, 1, 10) AS day_utc, count(*) AS calls,
                               sum(billsec) AS billsec, sum(coalesce(cost_micros, 0)) AS cost_micros
                        FROM calls GROUP BY account, day_utc;
                    """)
        }
        migrator.registerMigration("v4-suspensions-hooks") { db in
            try db.execute(
                sql: """
                    ALTER TABLE alerts ADD COLUMN notified_rank INTEGER NOT NULL DEFAULT -1;
                    -- Alerts raised before hooks existed have been seen; they fire nothing now.
                    UPDATE alerts SET notified_rank = severity_rank;
                    CREATE INDEX alerts_unnotified ON alerts(id) WHERE severity_rank > notified_rank;
                    CREATE TABLE suspensions (
                        id INTEGER PRIMARY KEY,
                        account TEXT NOT NULL,
                        enforced INTEGER NOT NULL CHECK (enforced IN (0, 1)),
                        reason TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        created_utc TEXT NOT NULL,
                        until_utc TEXT,
                        lifted_utc TEXT,
                        lifted_by TEXT,
                        lift_comment TEXT
                    );
                    CREATE UNIQUE INDEX suspensions_active ON suspensions(account)
                        WHERE enforced = 1 AND lifted_utc IS NULL;
                    CREATE INDEX suspensions_by_account ON suspensions(account, id);
                    CREATE TABLE suspension_alerts (
                        suspension_id INTEGER NOT NULL REFERENCES suspensions(id) ON DELETE CASCADE,
                        alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
                        PRIMARY KEY (suspension_id, alert_id)
                    ) WITHOUT ROWID;
                    CREATE TABLE hook_events (
                        id TEXT PRIMARY KEY,
                        type TEXT NOT NULL,
                        subject_type TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        created_utc TEXT NOT NULL,
                        payload BLOB NOT NULL
                    );
                    CREATE TABLE hook_deliveries (
                        id INTEGER PRIMARY KEY,
                        event_id TEXT NOT NULL REFERENCES hook_events(id) ON DELETE CASCADE,
                        hook TEXT NOT NULL,
                        subject_type TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_utc TEXT NOT NULL,
                        lease_until_utc TEXT,
                        last_error TEXT,
                        delivered_utc TEXT,
                        UNIQUE (event_id, hook)
                    );
                    CREATE INDEX hook_deliveries_due ON hook_deliveries(next_attempt_utc) WHERE status = 'pending';
                    -- A delivery waits for the earlier ones of its hook and subject (suspend before unsuspend).
                    CREATE INDEX hook_deliveries_queue ON hook_deliveries(hook, subject_type, subject, id)
                        WHERE status = 'pending';
                    CREATE TABLE hook_attempts (
                        id INTEGER PRIMARY KEY,
                        delivery_id INTEGER NOT NULL REFERENCES hook_deliveries(id) ON DELETE CASCADE,
                        at_utc TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        status INTEGER,
                        duration_ms INTEGER NOT NULL,
                        output TEXT,
                        error TEXT
                    );
                    CREATE INDEX hook_attempts_by_delivery ON hook_attempts(delivery_id, id);
                    """)
        }
        migrator.registerMigration("v5-sip-watch") { db in
            try db.execute(
                sql: """
                    CREATE TABLE alert_log_lines (
                        alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
                        file TEXT NOT NULL,
                        line INTEGER NOT NULL,
                        at_utc TEXT NOT NULL,
                        text TEXT NOT NULL,
                        PRIMARY KEY (alert_id, file, line)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v6-live") { db in
            try db.execute(
                sql: """
                    CREATE TABLE call_kills (
                        id INTEGER PRIMARY KEY,
                        uuid TEXT NOT NULL,
                        account TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        at_utc TEXT NOT NULL,
                        reply TEXT NOT NULL
                    );
                    CREATE INDEX call_kills_account ON call_kills(account, at_utc);
                    """)
        }
        migrator.registerMigration("v7-followed-files") { db in
            try db.execute(
                sql: """
                    CREATE TABLE followed_files (
                        purpose TEXT NOT NULL,
                        path TEXT NOT NULL,
                        inode INTEGER NOT NULL,
                        byte_offset INTEGER NOT NULL,
                        line INTEGER NOT NULL,
                        tail BLOB NOT NULL,
                        updated_utc TEXT NOT NULL,
                        PRIMARY KEY (purpose, path)
                    ) WITHOUT ROWID;
                    ALTER TABLE call_kills ADD COLUMN call_time_utc TEXT;
                    """)
        }
        migrator.registerMigration("v8-day-ordered-key-hash") { db in
            try rehashCallKeys(db)
        }
        migrator.registerMigration("v9-evidence-links") { db in
            try db.execute(
                sql: "CREATE INDEX alert_calls_unlinked ON alert_calls(call_key) WHERE call_row_id IS NULL")
            try EvidenceLinkRepairV9.run(db)
        }
        migrator.registerMigration("v10-console") { db in
            try db.execute(
                sql: """
                    CREATE TABLE users (
                        name TEXT PRIMARY KEY,
                        role TEXT NOT NULL CHECK (role IN ('viewer', 'reviewer', 'admin')),
                        password_hash TEXT NOT NULL,
                        created_utc TEXT NOT NULL,
                        password_set_utc TEXT NOT NULL
                    );
                    CREATE TABLE sessions (
                        token_hash TEXT PRIMARY KEY,
                        user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
                        csrf_token TEXT NOT NULL,
                        created_utc TEXT NOT NULL,
                        expires_utc TEXT NOT NULL
                    );
                    CREATE INDEX sessions_by_user ON sessions(user_name);
                    CREATE TABLE journal (
                        id INTEGER PRIMARY KEY,
                        at_utc TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        subject_type TEXT,
                        subject TEXT,
                        before TEXT,
                        after TEXT,
                        note TEXT
                    );
                    CREATE INDEX journal_by_subject ON journal(subject_type, subject, id);
                    """)
        }
        migrator.registerMigration("v11-snooze-assign") { db in
            try db.execute(
                sql: """
                    ALTER TABLE alerts ADD COLUMN snoozed_until_utc TEXT;
                    ALTER TABLE alerts ADD COLUMN snooze_cost_micros INTEGER;
                    ALTER TABLE alerts ADD COLUMN snooze_calls INTEGER;
                    ALTER TABLE alerts ADD COLUMN assignee TEXT;
                    """)
        }
        // How many countries an alert's evidence calls reach, so a snooze can wait for a new one.
        migrator.registerMigration("v12-snooze-country") { db in
            try db.execute(
                sql: """
                    ALTER TABLE alerts ADD COLUMN country_count INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE alerts ADD COLUMN snooze_countries INTEGER;
                    UPDATE alerts SET country_count = (
                        SELECT count(DISTINCT region) FROM alert_calls WHERE alert_id = alerts.id);
                    """)
        }
        // The console's live updates ask for the alerts changed since a time, every second.
        migrator.registerMigration("v13-alerts-by-update") { db in
            try db.execute(sql: "CREATE INDEX alerts_by_updated ON alerts(updated_utc)")
        }
        // The newest alert each person's queue showed them: what is new since their last visit.
        migrator.registerMigration("v14-queue-seen") { db in
            try db.execute(sql: "ALTER TABLE users ADD COLUMN queue_seen_alert INTEGER NOT NULL DEFAULT 0")
        }
        // The console's case file: each account's spend by quarter hour (see `SpendRollup`: an
        // index on calls(account, start_utc) made a million-call ingest 1.7x slower), the alerts of
        // a subject, and the alerts whose calls went to the same number range.
        migrator.registerMigration("v15-case-file") { db in
            try db.execute(
                sql: """
                    CREATE TABLE account_spend (
                        account TEXT NOT NULL,
                        quarter_utc TEXT NOT NULL,
                        calls INTEGER NOT NULL,
                        cost_micros INTEGER NOT NULL,
                        PRIMARY KEY (account, quarter_utc)
                    ) WITHOUT ROWID;
                    CREATE TABLE rollup_marks (
                        name TEXT PRIMARY KEY,
                        last_call_id INTEGER NOT NULL
                    );
                    CREATE INDEX alerts_by_subject ON alerts(subject_type, subject, last_seen_utc);
                    CREATE INDEX alert_calls_by_number ON alert_calls(number);
                    """)
        }
        // A person raises an account's quota until the end of the site's day, with a reason.
        migrator.registerMigration("v16-quota-raises") { db in
            try db.execute(
                sql: """
                    CREATE TABLE quota_raises (
                        account TEXT NOT NULL,
                        day TEXT NOT NULL,
                        daily_micros INTEGER NOT NULL,
                        currency TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        set_by TEXT NOT NULL,
                        set_utc TEXT NOT NULL,
                        PRIMARY KEY (account, day)
                    ) WITHOUT ROWID;
                    """)
        }
        // The console's tab counts on every page: by state and assignee from an index, the few
        // snoozed alerts from a partial one (its condition is the first term of
        // `AlertSnooze.holdsSQL`, which is how SQLite knows to use it).
        migrator.registerMigration("v17-review-counts") { db in
            try db.execute(
                sql: """
                    CREATE INDEX alerts_by_state ON alerts(state, assignee);
                    CREATE INDEX alerts_snoozed ON alerts(state)
                        WHERE snoozed_until_utc IS NOT NULL OR snooze_cost_micros IS NOT NULL
                            OR snooze_calls IS NOT NULL OR snooze_countries IS NOT NULL;
                    """)
        }
        // One serve watches several switches: each live call and kill keeps the switch's name
        // (NULL for calls from files and posts, and for a site's only, unnamed switch).
        migrator.registerMigration("v18-switch-names") { db in
            try db.execute(
                sql: """
                    ALTER TABLE calls ADD COLUMN switch_name TEXT;
                    ALTER TABLE call_kills ADD COLUMN switch_name TEXT;
                    """)
        }
        // An alert raised live keeps the switch of each evidence call: its hooks go out before
        // the call is stored in `calls`.
        migrator.registerMigration("v19-evidence-switch") { db in
            try db.execute(sql: "ALTER TABLE alert_calls ADD COLUMN switch_name TEXT")
        }
        return migrator
    }

    /// `calls.key_hash` was a plain 64-bit hash of the dedup key; it is now day-first
    /// (``KeyHashV8``, the frozen form of `CallKeyHash`).
    ///
    /// Stored calls move to the new values in
    /// chunks; a call whose new value is taken keeps a NULL hash, which the partial index on
    /// `dedup_key` finds, as on insert.
    private static func rehashCallKeys(_ db: Database) throws {
        // Negative ids first, so no new value meets an old one still in place.
        try db.execute(sql: "UPDATE calls SET key_hash = -id WHERE key_hash IS NOT NULL")
        while true {
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, start_utc, dedup_key FROM calls WHERE key_hash < 0 LIMIT 10000")
            if rows.isEmpty { return }
            for row in rows {
                let id: Int64 = row["id"]
                if let value = KeyHashV8.value(dedupKey: row["dedup_key"], startUTC: row["start_utc"]) {
                    try db.execute(sql: "UPDATE OR IGNORE calls SET key_hash = ? WHERE id = ?", arguments: [value, id])
                    if db.changesCount > 0 { continue }
                }
                try db.execute(sql: "UPDATE calls SET key_hash = NULL WHERE id = ?", arguments: [id])
            }
        }
    }
}
