import Foundation

/// Where hook deliveries wait to be sent: the node's own store, or the cluster store whose
/// analyzer decided them.
///
/// A delivery is claimed for a while before it runs (another pass, in this process or another,
/// gets others meanwhile) and its attempt is recorded after: delivered, due again after the
/// backoff, or given up.
package protocol OutboxStore: Sendable {
    /// Claims up to `limit` due deliveries after id `after` for `lease` seconds, oldest first;
    /// one whose hook has an earlier pending delivery for the same subject waits for it.
    func claimDueDeliveries(now: Date, lease: TimeInterval, after: Int64, limit: Int, hooks: HookSelection)
        async throws -> [OutboxDelivery]

    /// How many deliveries of `hooks` are due now (and not claimed), without claiming them.
    func dueDeliveryCount(now: Date, hooks: HookSelection) async throws -> Int

    /// Records an attempt at `delivery` and what follows from it.
    func record(_ attempt: DeliveryAttempt, for delivery: OutboxDelivery, settings: HookDeliverySettings, now: Date)
        async throws
}

extension TollGuardDatabase: OutboxStore {}
