import PostgresNIO

extension ClusterStore {
    /// Each account's spend on `day` (`YYYY-MM-DD`, site time) over every switch: the calls the
    /// analyzer has taken, in micro-units.
    package func spend(onDay day: String) async throws -> [String: Int64] {
        var spent: [String: Int64] = [:]
        let rows = try await client.query(
            "SELECT account, cost_micros FROM cluster_spend WHERE day = \(day)::date", logger: logger)
        for try await (account, cost) in rows.decode((String, Int64).self) { spent[account] = cost }
        return spent
    }

    /// Whether the analyzer has counted any spend of `account` (`quota set` warns about an account never seen).
    package func hasSpend(ofAccount account: String) async throws -> Bool {
        let rows = try await client.query(
            "SELECT 1 FROM cluster_spend WHERE account = \(account) LIMIT 1", logger: logger)
        for try await _ in rows { return true }
        return false
    }
}
