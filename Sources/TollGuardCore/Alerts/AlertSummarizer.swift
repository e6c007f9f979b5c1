import Foundation

/// Writes an alert's one-line summary:
/// "1023 called premium-rate number +37190… (LV): 14 calls to Latvia and Cuba, 02:10–02:31, USD 212.40".
package struct AlertSummarizer: Sendable {
    package let timeZone: TimeZone
    package let currency: String
    package let countryNames: [String: String]
    private let calendar: Calendar

    package init(timeZone: TimeZone, currency: String, countryNames: [String: String]) {
        self.timeZone = timeZone
        self.currency = currency
        self.countryNames = countryNames
        calendar = LocalClock.calendar(in: timeZone)
    }

    /// The summary of an alert about `subject` with these totals.
    package func summary(
        subject: Subject, headline: String, callCount: Int, regions: [String], costMicros: Int64, firstSeen: Date,
        lastSeen: Date
    ) -> String {
        var text = "\(subject.value) \(headline)"
        var details: [String] = []
        var calls = callCount == 1 ? "1 call" : "\(callCount) calls"
        let names = regions.map { countryNames[$0] ?? $0 }
        if !names.isEmpty {
            let shown = names.prefix(3)
            calls +=
                " to "
                + (shown.count == 1
                    ? shown[0] : shown.dropLast().joined(separator: ", ") + " and " + (shown.last ?? ""))
            if names.count > 3 { calls += " (+\(names.count - 3) more)" }
        }
        if callCount > 0 { details.append(calls) }
        details.append(period(firstSeen, lastSeen))
        if costMicros > 0 { details.append(money(costMicros)) }
        text += ": " + details.joined(separator: ", ")
        return text
    }

    /// The summary of a new alert made of `draft`.
    package func summary(of draft: AlertDraft) -> String {
        summary(
            subject: draft.subject, headline: draft.headline, callCount: draft.callCount,
            regions: Self.regionsByFrequency(draft.calls), costMicros: draft.costMicros, firstSeen: draft.firstSeen,
            lastSeen: draft.lastSeen)
    }

    /// The regions of `calls`, most called first.
    package static func regionsByFrequency(_ calls: [EvidenceCall]) -> [String] {
        var counts: [String: Int] = [:]
        for call in calls { if let region = call.region { counts[region, default: 0] += 1 } }
        return counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)
    }

    /// An amount with the currency: `$212.40`, `€3.10`, `CHF 4.00`.
    package func money(_ micros: Int64) -> String {
        let amount = Money.format(micros, decimals: 2)
        switch currency.uppercased() {
        case "USD": return "$" + amount
        case "EUR": return "€" + amount
        case "GBP": return "£" + amount
        default: return currency + " " + amount
        }
    }

    /// `02:10–02:31` on one local day, `11-20 23:50–11-21 00:40` across days.
    package func period(_ first: Date, _ last: Date) -> String {
        let a = calendar.dateComponents([.month, .day, .hour, .minute], from: first)
        let b = calendar.dateComponents([.month, .day, .hour, .minute], from: last)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        let sameDay = a.month == b.month && a.day == b.day
        let start =
            sameDay
            ? "\(two(a.hour)):\(two(a.minute))" : "\(two(a.month))-\(two(a.day)) \(two(a.hour)):\(two(a.minute))"
        let end =
            sameDay
            ? "\(two(b.hour)):\(two(b.minute))" : "\(two(b.month))-\(two(b.day)) \(two(b.hour)):\(two(b.minute))"
        return start == end ? start : "\(start)–\(end)"
    }
}
