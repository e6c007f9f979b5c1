import Foundation
import Synchronization
import TollGuardCore

/// The security events the Asterisk Managers sent (failed logins, unknown accounts, ACL
/// refusals), waiting for the SIP watcher: the pipeline adds them as they come, the watcher
/// takes them at each of its polls, as it takes the lines of a followed log.
package final class SecurityEventInbox: Sendable {
    /// A received event, as the watcher judges it: `file` names its switch (`ami:pbx-east`).
    package typealias Item = (file: String, entry: SecurityLogEntry)

    private let items = Mutex<[Item]>([])
    private let received = Atomic<Int>(0)
    /// Events waiting past which the oldest are counted and dropped (a watcher that stopped).
    package let capacity: Int
    /// Events dropped for want of room.
    package let dropped = Atomic<Int>(0)

    package init(capacity: Int = 200_000) { self.capacity = capacity }

    /// Adds `event` of switch `switchName`, received at `time` (its `Timestamp` when it has one).
    package func add(_ event: AMIMessage, switchName: String, at time: Date) {
        guard let reading = AsteriskSecurityEvent.reading(event, at: time) else { return }
        let line = received.add(1, ordering: .relaxed).newValue
        let entry = SecurityLogEntry(reading: reading, line: line, text: AsteriskSecurityEvent.evidenceText(event))
        items.withLock { items in
            if items.count >= capacity {
                items.removeFirst()
                dropped.add(1, ordering: .relaxed)
            }
            items.append(("ami:\(switchName)", entry))
        }
    }

    /// Takes every event waiting, oldest first.
    package func drain() -> [Item] {
        items.withLock { items in
            defer { items = [] }
            return items
        }
    }
}
