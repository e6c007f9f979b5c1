import Foundation
import GRDB

extension TollGuardDatabase {
    /// The actor of this store's copies of a cluster's suspensions.
    package static let clusterActor = "cluster"

    /// Brings this store's copies of the cluster's suspensions in line with `inForce` (those the
    /// cluster's analyzer holds in force), so the switches this node watches enforce them.
    ///
    /// An account suspended there and not here is suspended here by ``clusterActor``; a copy
    /// whose account is no longer suspended there (lifted, expired) is lifted. A copy has no
    /// `until` of its own — the cluster's expiry lifts it — so this node's expiry runs no
    /// `unsuspend` hook: no hook runs here for a copy, the analyzer told them. Each change is
    /// journaled. A suspension a person or this node's policy made here stays as it is.
    package func mirror(clusterSuspensions inForce: [Suspension], now: Date = Date()) async throws -> (
        started: [Suspension], lifted: [Suspension]
    ) {
        try await writer.write { db in
            let local = try Suspension.all().inForce().withAlertIDs().fetchAll(db)
            let suspendedHere = Set(local.map(\.account))
            let suspendedThere = Set(inForce.map(\.account))
            var started: [Suspension] = []
            for suspension in inForce where !suspendedHere.contains(suspension.account) {
                let copy = try SuspensionStore.insert(
                    account: suspension.account, enforced: true,
                    reason: "cluster suspension \(suspension.id): \(suspension.reason)", actor: Self.clusterActor,
                    until: nil, alertIDs: [], now: now, db)
                var entry = JournalEntry(
                    at: now, actor: Self.clusterActor, action: "suspension.started", subjectType: "account",
                    subject: copy.account, before: nil, after: "suspended (\(copy.id))", note: copy.reason)
                try entry.insert(db)
                started.append(copy)
            }
            let lifted = try local.filter { $0.actor == Self.clusterActor && !suspendedThere.contains($0.account) }
                .map { try Self.liftCopy($0, now: now, db) }
            return (started, lifted)
        }
    }

    /// Lifts this store's copy of the cluster's suspension of `account` (the cluster lifted it),
    /// with no hook; nil when there is none.
    package func liftClusterCopy(account: String, now: Date = Date()) async throws -> Suspension? {
        try await writer.write { db in
            guard let copy = try SuspensionStore.active(account: account, db), copy.actor == Self.clusterActor else {
                return nil
            }
            return try Self.liftCopy(copy, now: now, db)
        }
    }

    private static func liftCopy(_ copy: Suspension, now: Date, _ db: Database) throws -> Suspension {
        let comment = "lifted in the cluster"
        let lifted = try SuspensionStore.lift(copy, by: clusterActor, comment: comment, now: now, db)
        var entry = JournalEntry(
            at: now, actor: clusterActor, action: "suspension.lifted", subjectType: "account", subject: copy.account,
            before: "suspended (\(copy.id))", after: "lifted", note: comment)
        try entry.insert(db)
        return lifted
    }
}
