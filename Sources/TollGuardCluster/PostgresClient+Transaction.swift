import Logging
import PostgresNIO

extension PostgresClient {
    /// Runs `body` in a transaction on one connection of the pool: committed when it returns,
    /// rolled back when it throws.
    ///
    /// Unlike postgres-nio's `withTransaction`, a connection the server has closed is not asked
    /// to roll back: postgres-nio 1.33 then waits for an answer forever (a server restarted in
    /// the middle of a shipment hung the edge); the server rolled the transaction back already.
    func inTransaction<Result: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger) }
                throw error
            }
        }
    }
}
