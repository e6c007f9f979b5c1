import Foundation

/// Local wall-clock text in one zone: `2026-11-12`, `2026-11-12 03:00` and `2026-11-12 03:00:41`.
package struct LocalTimeFormatter: Sendable {
    package let timeZone: TimeZone

    package init(timeZone: TimeZone) { self.timeZone = timeZone }

    package func seconds(_ date: Date) -> String {
        let offset = timeZone.secondsFromGMT(for: date)
        return CivilTime.utcText(epochSeconds: CivilTime.epochSeconds(date) + Int64(offset))
    }

    package func minutes(_ date: Date) -> String { String(seconds(date).prefix(16)) }

    package func day(_ date: Date) -> String { String(seconds(date).prefix(10)) }
}
