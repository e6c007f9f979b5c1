import Foundation
import PostgresNIO
import Testing
import TollGuardCluster

extension PostgresServerTests {
    /// A query on a connection the server closed: postgres-nio drops it; the store's queries
    /// fail instead.
    @Suite struct ClosedConnectionTests {
        /// A query after the server ended an idle transaction and closed its connection fails.
        ///
        /// As an analyzer paused inside a transaction finds on waking: its next query must fail,
        /// not wait forever (a node that never noticed it had lost the lease).
        @Test func aQueryAfterTheServerEndedAnIdleTransactionFails() async throws {
            try await TestPostgres.withStore { store in
                let logger = TestPostgres.logger
                let outcome: Result<Int, any Error> = try await withDeadline(.seconds(30)) {
                    do {
                        return .success(
                            try await store.client.withConnection { connection in
                                try await connection.answer("BEGIN", logger: logger)
                                try await connection.answer(
                                    "SET LOCAL idle_in_transaction_session_timeout = 100", logger: logger)
                                var answer = 0
                                for try await value in try await connection.answer("SELECT 1", logger: logger)
                                    .decode(Int.self)
                                {
                                    answer = value
                                }
                                #expect(answer == 1)
                                while !connection.isClosed { try await Task.sleep(for: .milliseconds(20)) }
                                for try await value in try await connection.answer("SELECT 2", logger: logger)
                                    .decode(Int.self)
                                {
                                    answer = value
                                }
                                return answer
                            })
                    } catch {
                        return .failure(error)
                    }
                }
                #expect(throws: ConnectionClosedUnanswered.self) { try outcome.get() }
                // The pool goes on with a connection of its own.
                var answer = 0
                for try await value in try await store.client.query("SELECT 3", logger: logger).decode(Int.self) {
                    answer = value
                }
                #expect(answer == 3)
            }
        }

        /// A query sent just before its connection closes gets the server's answer or error when
        /// it has one, not the closed connection's.
        @Test func aQueryAnsweredBeforeTheCloseKeepsItsAnswer() async throws {
            try await TestPostgres.withStore { store in
                let logger = TestPostgres.logger
                let outcome: Result<Void, any Error> = try await withDeadline(.seconds(30)) {
                    do {
                        try await store.client.withConnection { connection in
                            for try await _ in try await connection.answer(
                                "SELECT pg_terminate_backend(pg_backend_pid())", logger: logger)
                            {}
                        }
                        return .success(())
                    } catch {
                        return .failure(error)
                    }
                }
                // The server's own word: it ended the connection (an administrator's command).
                #expect(throws: PSQLError.self) { try outcome.get() }
            }
        }
    }
}
