import Logging
import PostgresNIO

/// The cluster store's tables on PostgreSQL, created and moved forward when a node starts.
///
/// Each migration runs once, in order, in one transaction under an advisory lock, so nodes that
/// start together do not race; `tollguard_migrations` lists those applied. Never edit one that
/// has shipped: add the next.
enum ClusterSchema {
    /// A migration: its name, then its statements (one each: PostgreSQL runs one per query).
    struct Migration: Sendable {
        var name: String
        var statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(
            name: "v1-shipped-calls",
            statements: [
                // One row per edge (a source): the last of its calls this store holds. One edge
                // writes its row, in the transaction that adds its calls, so `last_sequence = n`
                // means every call of it numbered n or less is here.
                """
                CREATE TABLE sources (
                    source_id text PRIMARY KEY,
                    switch_name text NOT NULL,
                    last_sequence bigint NOT NULL DEFAULT 0,
                    shipped_utc timestamptz
                )
                """,
                // Dedup across edges: a call is its switch's key, whichever edge shipped it first.
                // Apart from `calls`, whose unique keys must hold the partition's day (two
                // sources may disagree on a call's start).
                """
                CREATE TABLE call_keys (
                    switch_name text NOT NULL,
                    dedup_key text NOT NULL,
                    source_id text NOT NULL,
                    source_sequence bigint NOT NULL,
                    start_utc timestamp NOT NULL,
                    PRIMARY KEY (switch_name, dedup_key)
                )
                """,
                // The calls: the columns of the SQLite store's `calls` with the same meaning,
                // after the edge and its number for the call; one partition per day.
                """
                CREATE TABLE calls (
                    source_id text NOT NULL,
                    source_sequence bigint NOT NULL,
                    switch_name text NOT NULL,
                    dedup_key text NOT NULL,
                    call_id text NOT NULL,
                    account text NOT NULL,
                    caller_number text NOT NULL,
                    caller_name text NOT NULL,
                    destination text NOT NULL,
                    context text NOT NULL,
                    source_ip text,
                    trunk text,
                    start_utc timestamp NOT NULL,
                    answer_utc timestamp,
                    end_utc timestamp NOT NULL,
                    duration bigint NOT NULL,
                    billsec bigint NOT NULL,
                    disposition text NOT NULL,
                    hangup_cause text NOT NULL,
                    user_agent text,
                    source_format text NOT NULL,
                    dest_scope text,
                    dest_e164 text,
                    dest_region text,
                    dest_calling_code bigint,
                    dest_type text,
                    dest_risk text,
                    dest_hotspot text,
                    rate_prefix text,
                    cost_micros bigint,
                    rate_per_min_micros bigint,
                    PRIMARY KEY (source_id, source_sequence, start_utc)
                ) PARTITION BY RANGE (start_utc)
                """,
                "CREATE INDEX calls_by_account ON calls (account, start_utc)",
            ]),
        Migration(
            name: "v2-analyzer-lease",
            statements: [
                // Who analyzes (one leader per key range; one range for now): the lease runs on
                // the database's clock, and every write of the leader names its epoch, so a
                // leader that lost the lease (paused, cut off) writes nothing after its successor
                // took over. `offsets`: per edge, the last call the leader has consumed.
                """
                CREATE TABLE analyzer_leases (
                    key_range text PRIMARY KEY,
                    holder text,
                    epoch bigint NOT NULL DEFAULT 0,
                    lease_until timestamptz,
                    offsets jsonb NOT NULL DEFAULT '{}'::jsonb,
                    taken_utc timestamptz
                )
                """
            ]),
        Migration(
            name: "v3-kill-commands",
            statements: [
                // Hang-ups the analyzer orders and the edge of the call's switch carries out. One
                // per call (the key of a command sent twice); `done_utc` set by the edge that hung
                // up, with the switch's answer. Written by the analyzer under its lease's epoch.
                """
                CREATE TABLE kill_commands (
                    id bigserial PRIMARY KEY,
                    switch_name text NOT NULL,
                    call_uuid text NOT NULL,
                    channel text,
                    account text NOT NULL,
                    reason text NOT NULL,
                    issued_by text NOT NULL,
                    epoch bigint NOT NULL,
                    issued_utc timestamptz NOT NULL DEFAULT now(),
                    done_utc timestamptz,
                    done_by text,
                    answer text,
                    UNIQUE (switch_name, call_uuid)
                )
                """,
                "CREATE INDEX kill_commands_waiting ON kill_commands (switch_name, id) WHERE done_utc IS NULL",
            ]),
        Migration(
            name: "v4-cluster-analysis",
            statements: [
                // Each edge's promise, moved with its shipments: every call of its switch that
                // started before this time is in the store. NULL: no promise (an edge that only
                // reads files or posts learns of a call when it ends, however long it ran).
                "ALTER TABLE sources ADD COLUMN watermark_utc timestamp",
                // The analyzer's alerts: the columns of the SQLite store's `alerts` that the
                // analysis writes, with the keys of every call counted (so a call is counted
                // once, whichever leader sees it again) and the epoch of the last write.
                """
                CREATE TABLE cluster_alerts (
                    id bigserial PRIMARY KEY,
                    rule text NOT NULL,
                    subject_type text NOT NULL,
                    subject text NOT NULL,
                    window_key text,
                    severity text NOT NULL,
                    severity_rank integer NOT NULL,
                    first_seen_utc timestamp NOT NULL,
                    last_seen_utc timestamp NOT NULL,
                    headline text NOT NULL,
                    metrics jsonb NOT NULL,
                    evidence jsonb NOT NULL,
                    call_count bigint NOT NULL,
                    cost_micros bigint NOT NULL,
                    call_keys jsonb NOT NULL,
                    state text NOT NULL DEFAULT 'open',
                    epoch bigint NOT NULL,
                    created_utc timestamptz NOT NULL DEFAULT now(),
                    updated_utc timestamptz NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX cluster_alerts_by_key ON cluster_alerts (rule, subject_type, subject, id)",
                // Spend per account and local day, of every call the analyzer released.
                """
                CREATE TABLE cluster_spend (
                    account text NOT NULL,
                    day date NOT NULL,
                    calls bigint NOT NULL,
                    cost_micros bigint NOT NULL,
                    PRIMARY KEY (account, day)
                )
                """,
            ]),
        Migration(
            name: "v5-cluster-actions",
            statements: [
                // The analyzer's outbox: the hook events it owes, written in the transaction that
                // writes the alert (so a takeover neither loses nor repeats one), one delivery per
                // hook that takes the event; delivered by the leader, claimed while one runs. The
                // SQLite store's `hook_events` and `hook_deliveries`, with the epoch that wrote it.
                """
                CREATE TABLE cluster_hook_events (
                    id text PRIMARY KEY,
                    type text NOT NULL,
                    payload bytea NOT NULL,
                    epoch bigint NOT NULL,
                    created_utc timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE cluster_hook_deliveries (
                    id bigserial PRIMARY KEY,
                    event_id text NOT NULL REFERENCES cluster_hook_events (id),
                    hook text NOT NULL,
                    subject_type text NOT NULL,
                    subject text NOT NULL,
                    status text NOT NULL DEFAULT 'pending',
                    attempts integer NOT NULL DEFAULT 0,
                    next_attempt_utc timestamptz NOT NULL DEFAULT now(),
                    lease_until_utc timestamptz,
                    delivered_utc timestamptz,
                    last_status integer,
                    last_output text,
                    last_error text
                )
                """,
                "CREATE INDEX cluster_hook_deliveries_pending ON cluster_hook_deliveries (hook, id) "
                    + "WHERE status = 'pending'",
                // The accounts the analyzer's policy suspended (or, report-only, would have): the
                // SQLite store's `suspensions`, with the epoch that wrote it. One in force per
                // account; the edges enforce those on their switches.
                """
                CREATE TABLE cluster_suspensions (
                    id bigserial PRIMARY KEY,
                    account text NOT NULL,
                    enforced boolean NOT NULL,
                    reason text NOT NULL,
                    actor text NOT NULL,
                    since_utc timestamptz NOT NULL,
                    until_utc timestamptz,
                    lifted_utc timestamptz,
                    lifted_by text,
                    lift_comment text,
                    alert_ids jsonb NOT NULL DEFAULT '[]'::jsonb,
                    epoch bigint NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX cluster_suspensions_in_force ON cluster_suspensions (account) "
                    + "WHERE enforced AND lifted_utc IS NULL",
            ]),
        Migration(
            name: "v6-calls-up",
            statements: [
                // The calls each live edge has up now (and those ended and not shipped yet), as
                // its last promise told them: the analyzer starts a call from here and goes on
                // with the calls after it, rather than waiting for it to end. `call_id` is the
                // switch's own id of the call (its live uuid, the stored call's `call_id`).
                """
                CREATE TABLE calls_up (
                    source_id text NOT NULL,
                    switch_name text NOT NULL,
                    call_id text NOT NULL,
                    account text NOT NULL,
                    caller_number text NOT NULL,
                    source_ip text,
                    trunk text,
                    context text NOT NULL,
                    destination text NOT NULL,
                    dest_scope text,
                    dest_e164 text,
                    dest_region text,
                    dest_type text,
                    dest_risk text,
                    dest_hotspot text,
                    rate_per_min_micros bigint,
                    start_utc timestamp NOT NULL,
                    answer_utc timestamp,
                    PRIMARY KEY (source_id, call_id)
                )
                """,
                // The calls the analysis started from `calls_up` and has not ended yet, written
                // with its offsets: a node that takes the lease over starts them again.
                """
                CREATE TABLE analysis_live (
                    LIKE calls_up,
                    PRIMARY KEY (switch_name, call_id)
                )
                """,
                // Each row's last change, numbered: the analyzer reads only what changed since it
                // last looked (one edge writes its rows one transaction at a time, so each edge's
                // numbers are committed in order).
                "CREATE SEQUENCE calls_up_told",
                "ALTER TABLE calls_up ADD COLUMN told_seq bigint NOT NULL DEFAULT nextval('calls_up_told')",
            ]),
        Migration(
            name: "v7-alert-triage",
            statements: [
                // A person's last decision on an alert, as the SQLite store's `alerts` keeps it.
                // The analyzer never writes these (nor `state`): its writes change the figures.
                """
                ALTER TABLE cluster_alerts ADD COLUMN state_by text, ADD COLUMN state_at_utc timestamptz,
                    ADD COLUMN state_comment text
                """,
                // Who did what to which subject: the SQLite store's `journal`, for what people do
                // to the cluster's records.
                """
                CREATE TABLE cluster_journal (
                    id bigserial PRIMARY KEY,
                    at_utc timestamptz NOT NULL,
                    actor text NOT NULL,
                    action text NOT NULL,
                    subject_type text,
                    subject text,
                    before text,
                    after text,
                    note text
                )
                """,
                "CREATE INDEX cluster_journal_by_subject ON cluster_journal (subject_type, subject, id)",
            ]),
        Migration(
            name: "v8-calls-up-by-change",
            statements: [
                // The analyzer reads, several times a second, the calls up each edge told or
                // changed since it last looked: without this it read every call up each time.
                "CREATE INDEX calls_up_by_change ON calls_up (source_id, told_seq)"
            ]),
        Migration(
            name: "v9-cluster-triage",
            statements: [
                // The rest of a person's triage of the cluster's alerts, as on the single box:
                // a snooze (out of the queue until a time or until the alert gets worse) and who
                // works it.
                """
                ALTER TABLE cluster_alerts ADD COLUMN snoozed_until_utc timestamptz,
                    ADD COLUMN snooze_cost_micros bigint, ADD COLUMN snooze_calls integer,
                    ADD COLUMN snooze_countries integer, ADD COLUMN assignee text
                """,
                // A false positive's quiet time: the analyzer writes no finding of the rule about
                // the subject within it. The SQLite store's `alert_suppressions`.
                """
                CREATE TABLE cluster_suppressions (
                    rule text NOT NULL,
                    subject_type text NOT NULL,
                    subject text NOT NULL,
                    from_utc timestamptz NOT NULL,
                    until_utc timestamptz NOT NULL,
                    alert_id bigint NOT NULL REFERENCES cluster_alerts (id) ON DELETE CASCADE,
                    PRIMARY KEY (rule, subject_type, subject, alert_id)
                )
                """,
                "CREATE INDEX cluster_suppressions_by_end ON cluster_suppressions (until_utc)",
            ]),
        Migration(
            name: "v10-cluster-quotas",
            statements: [
                // The cluster's daily quotas per account, as the SQLite store's `quotas`: every
                // analyzer node takes the same ones, so a takeover keeps what people set.
                """
                CREATE TABLE cluster_quotas (
                    account text PRIMARY KEY,
                    daily_micros bigint NOT NULL CHECK (daily_micros >= 0),
                    currency text NOT NULL,
                    set_by text NOT NULL,
                    set_utc timestamptz NOT NULL
                )
                """,
                // A quota raised for one site-local day: the SQLite store's `quota_raises`.
                """
                CREATE TABLE cluster_quota_raises (
                    account text NOT NULL,
                    day date NOT NULL,
                    daily_micros bigint NOT NULL CHECK (daily_micros >= 0),
                    currency text NOT NULL,
                    reason text NOT NULL,
                    set_by text NOT NULL,
                    set_utc timestamptz NOT NULL,
                    PRIMARY KEY (account, day)
                )
                """,
                // The nodes whose own stores' quotas were copied in once, when they first ran as
                // an analyzer of the cluster (before, each analyzer node kept its own).
                """
                CREATE TABLE cluster_quota_imports (
                    node text PRIMARY KEY,
                    at_utc timestamptz NOT NULL,
                    quotas integer NOT NULL,
                    raises integer NOT NULL
                )
                """,
            ]),
        Migration(
            name: "v11-cluster-lists",
            statements: [
                // The cluster's fraud lists, as the SQLite store's `fraud_lists` and
                // `fraud_list_entries`: imported on any node, every node's engine takes them.
                """
                CREATE TABLE cluster_fraud_lists (
                    name text PRIMARY KEY,
                    source_path text NOT NULL,
                    imported_utc timestamptz NOT NULL
                )
                """,
                """
                CREATE TABLE cluster_fraud_list_entries (
                    list_name text NOT NULL REFERENCES cluster_fraud_lists (name) ON DELETE CASCADE,
                    kind text NOT NULL CHECK (kind IN ('number', 'ip')),
                    value text NOT NULL,
                    PRIMARY KEY (list_name, kind, value)
                )
                """,
                // The nodes whose own stores' lists were copied in once.
                """
                CREATE TABLE cluster_list_imports (
                    node text PRIMARY KEY,
                    at_utc timestamptz NOT NULL,
                    lists integer NOT NULL
                )
                """,
            ]),
        Migration(
            name: "v12-cluster-rate-deck",
            statements: [
                // The cluster's rate deck, one row: its entries as the JSON of `RateDeck.Entry`
                // (the SQLite store's `rates`). Every node prices its switches' calls with it.
                """
                CREATE TABLE cluster_rate_deck (
                    id smallint PRIMARY KEY CHECK (id = 1),
                    source_path text NOT NULL,
                    imported_utc timestamptz NOT NULL,
                    entry_count integer NOT NULL,
                    entries jsonb NOT NULL
                )
                """
            ]),
        Migration(
            name: "v13-analyzer-time-zone",
            statements: [
                // The time zone the leading analyzer counts days in (its `[site] timezone`):
                // `cluster_spend`'s days, the daily quotas. A command on another node that counts
                // those days again (`rates reprice`) counts them in it, whatever the node's own.
                "ALTER TABLE analyzer_leases ADD COLUMN time_zone text"
            ]),
        Migration(
            name: "v14-analyzer-snapshots",
            statements: [
                // The leading analyzer's engine as of a step it committed, one row per key range:
                // the offsets and released time of that step (`analyzer_leases.offsets`' form),
                // what shaped the engine (a node configured otherwise replays instead), the
                // engine's memory and the calls it had started from their edges' word. A node
                // taking the lease over starts from it and replays only the calls since.
                """
                CREATE TABLE analyzer_snapshots (
                    key_range text PRIMARY KEY,
                    epoch bigint NOT NULL,
                    offsets jsonb NOT NULL,
                    configuration text NOT NULL,
                    taken_utc timestamptz NOT NULL DEFAULT now(),
                    engine bytea NOT NULL,
                    live jsonb NOT NULL
                )
                """
            ]),
        Migration(
            name: "v15-console-people",
            statements: [
                // Who may log in to the console of any node, and their sessions: the SQLite
                // store's `users` and `sessions`, so one login works on every node of the cluster.
                // Passwords as bcrypt hashes, tokens as their SHA-256.
                """
                CREATE TABLE cluster_users (
                    name text PRIMARY KEY,
                    role text NOT NULL,
                    password_hash text NOT NULL,
                    created_utc timestamptz NOT NULL,
                    password_set_utc timestamptz NOT NULL,
                    queue_seen_alert bigint NOT NULL DEFAULT 0
                )
                """,
                """
                CREATE TABLE cluster_sessions (
                    token_hash text PRIMARY KEY,
                    user_name text NOT NULL REFERENCES cluster_users (name) ON DELETE CASCADE,
                    csrf_token text NOT NULL,
                    created_utc timestamptz NOT NULL,
                    expires_utc timestamptz NOT NULL
                )
                """,
                "CREATE INDEX cluster_sessions_by_user ON cluster_sessions (user_name)",
                "CREATE INDEX cluster_journal_by_actor ON cluster_journal (actor, id)",
                // The nodes whose own stores' users were copied in once, when they first ran in
                // the cluster: the people who logged in to a box before it joined still can.
                """
                CREATE TABLE cluster_user_imports (
                    node text PRIMARY KEY,
                    at_utc timestamptz NOT NULL,
                    users integer NOT NULL
                )
                """,
                // The numbers each alert's evidence called, for the case file's alerts of the same
                // number ranges (the SQLite store's `alert_calls` by `number`): kept by a trigger
                // on every write of an alert's evidence, so the analyzer's steps send nothing
                // more. Reading the ranges out of every alert's evidence took 216 ms a range for
                // 12,000 alerts. Numbers compare byte by byte, as SQLite's do (a range is a
                // prefix up to the prefix and `:`).
                """
                CREATE TABLE cluster_alert_numbers (
                    number text COLLATE "C" NOT NULL,
                    alert_id bigint NOT NULL REFERENCES cluster_alerts (id) ON DELETE CASCADE,
                    PRIMARY KEY (number, alert_id)
                )
                """,
                "CREATE INDEX cluster_alert_numbers_by_alert ON cluster_alert_numbers (alert_id)",
                """
                CREATE FUNCTION cluster_alert_numbers_kept() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO cluster_alert_numbers (number, alert_id)
                    SELECT DISTINCT e->>'number', NEW.id FROM jsonb_array_elements(NEW.evidence) e
                    WHERE e->>'number' IS NOT NULL
                    ON CONFLICT DO NOTHING;
                    RETURN NULL;
                END
                $$
                """,
                """
                CREATE TRIGGER cluster_alert_numbers_kept AFTER INSERT OR UPDATE OF evidence ON cluster_alerts
                FOR EACH ROW EXECUTE FUNCTION cluster_alert_numbers_kept()
                """,
                """
                INSERT INTO cluster_alert_numbers (number, alert_id)
                SELECT DISTINCT e->>'number', a.id FROM cluster_alerts a, jsonb_array_elements(a.evidence) e
                WHERE e->>'number' IS NOT NULL
                """,
                // The consoles' live updates read the alerts changed lately, every second.
                "CREATE INDEX cluster_alerts_by_change ON cluster_alerts (updated_utc)",
            ]),
    ]

    /// Applies the migrations not applied yet; returns their names.
    @discardableResult
    static func migrate(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        try await client.inTransaction(logger: logger) { connection in
            // Any fixed number: the lock only keeps two nodes from migrating at once.
            try await connection.answer("SELECT pg_advisory_xact_lock(7401925)", logger: logger)
            try await connection.answer(
                """
                CREATE TABLE IF NOT EXISTS tollguard_migrations (
                    name text PRIMARY KEY, applied_utc timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied: Set<String> = []
            for try await name in try await connection.answer("SELECT name FROM tollguard_migrations", logger: logger)
                .decode(String.self)
            {
                applied.insert(name)
            }
            var names: [String] = []
            for migration in migrations where !applied.contains(migration.name) {
                for statement in migration.statements {
                    try await connection.answer(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.answer(
                    "INSERT INTO tollguard_migrations (name) VALUES (\(migration.name))", logger: logger)
                names.append(migration.name)
            }
            return names
        }
    }
}
