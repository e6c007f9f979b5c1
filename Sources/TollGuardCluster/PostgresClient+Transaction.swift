import Logging
import PostgresNIO

extension PostgresClient {
    /// Runs `body` in a transaction on one connection of the pool: committed when it returns,
    /// rolled back when it throws.
    ///
    /// Unlike postgres-nio's `withTransaction`, a connection the server has closed is not asked
    /// to roll back: the server rolled the transaction back already (and postgres-nio 1.33
    /// never answers a query on a closed connection: see `PostgresConnection.answer`).
    func inTransaction<Result: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            try await connection.answer("BEGIN", logger: logger)
            do {
                let result = try await body(connection)
                try await connection.answer("COMMIT", logger: logger)
                return result
            } catch {
                if !connection.isClosed { _ = try? await connection.answer("ROLLBACK", logger: logger) }
                throw error
            }
        }
    }
}
