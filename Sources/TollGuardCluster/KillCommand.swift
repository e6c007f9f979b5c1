import Foundation
import Logging
import PostgresNIO

/// A hang-up the analyzer orders, carried out by the edge that watches the call's switch.
package struct KillCommand: Sendable, Equatable {
    package var id: Int64 = 0
    package var switchName: String
    /// The call's id on its switch (FreeSWITCH's uuid, Asterisk's Uniqueid).
    package var callUUID: String
    /// The channel to hang up on an Asterisk (its exact name); nil where the uuid is it.
    package var channel: String?
    package var account: String
    package var reason: String

    package init(switchName: String, callUUID: String, channel: String? = nil, account: String, reason: String) {
        self.switchName = switchName
        self.callUUID = callUUID
        self.channel = channel
        self.account = account
        self.reason = reason
    }

    /// The channel the edges listen on: a doorbell, never the transport (the table is).
    package static let notificationChannel = "tollguard_kills"
}

extension AnalyzerLease {
    /// Orders `command` under the lease `held`; returns whether it was new.
    ///
    /// Stored once per call whatever is sent again, and the edges woken. Throws ``LeaseLost``
    /// (nothing stored) when the lease is over.
    @discardableResult
    package func issue(_ command: KillCommand, under held: Held) async throws -> Bool {
        let (node, logger) = (self.node, store.logger)
        return try await fenced(held, offsets: nil) { connection in
            var inserted = false
            for try await _ in try await connection.answer(
                """
                INSERT INTO kill_commands (switch_name, call_uuid, channel, account, reason, issued_by, epoch)
                VALUES (\(command.switchName), \(command.callUUID), \(command.channel), \(command.account),
                        \(command.reason), \(node), \(held.epoch))
                ON CONFLICT (switch_name, call_uuid) DO NOTHING
                RETURNING id
                """, logger: logger)
            {
                inserted = true
            }
            // Delivered at commit; the same payload twice in one transaction folds into one.
            try await connection.answer(
                "SELECT pg_notify(\(KillCommand.notificationChannel), \(command.switchName))", logger: logger)
            return inserted
        }
    }
}

extension ClusterStore {
    /// Carries out the waiting commands of `switches`, each once: claimed under a row lock that
    /// other edges skip, hung up through `hangUp`, marked done with its answer in the same
    /// transaction.
    ///
    /// `hangUp` returns the switch's answer, or a refusal of its own (a call id that is no
    /// channel); it throws only when the switch cannot be asked now, and the command waits.
    ///
    /// An edge that dies between the hang-up and the commit leaves the command waiting: it is
    /// carried out again, and the switch answers that no such channel exists.
    package func carryOutKillCommands(
        for switches: [String], by node: String, limit: Int = 50,
        hangUp: @Sendable (KillCommand) async throws -> String
    ) async throws -> KillPass {
        guard !switches.isEmpty else { return KillPass() }
        let logger = self.logger
        return try await client.inTransaction(logger: logger) { connection in
            var waiting: [KillCommand] = []
            let rows = try await connection.answer(
                """
                SELECT id, switch_name, call_uuid, channel, account, reason FROM kill_commands
                WHERE switch_name = ANY(\(switches)) AND done_utc IS NULL
                ORDER BY id LIMIT \(limit) FOR UPDATE SKIP LOCKED
                """, logger: logger)
            for try await (id, switchName, uuid, channel, account, reason) in rows.decode(
                (Int64, String, String, String?, String, String).self)
            {
                var command = KillCommand(
                    switchName: switchName, callUUID: uuid, channel: channel, account: account, reason: reason)
                command.id = id
                waiting.append(command)
            }
            var pass = KillPass()
            for command in waiting {
                let answer: String
                do {
                    answer = try await hangUp(command).trimmingCharacters(in: .whitespacesAndNewlines)
                } catch {
                    // The switch could not be asked (its connection is down): the command waits
                    // for the next pass. A refusal the switch or the edge gives is an answer.
                    pass.waiting.append((command, "\(ReadableError(error))"))
                    continue
                }
                try await connection.answer(
                    """
                    UPDATE kill_commands SET done_utc = now(), done_by = \(node), answer = \(answer)
                    WHERE id = \(command.id)
                    """, logger: logger)
                pass.done.append((command, answer))
            }
            return pass
        }
    }
}

/// What one pass over the waiting kill commands did.
package struct KillPass: Sendable {
    /// Carried out, with the answer stored.
    package var done: [(command: KillCommand, answer: String)] = []
    /// Left waiting: the switch could not be asked (and why).
    package var waiting: [(command: KillCommand, error: String)] = []
}
