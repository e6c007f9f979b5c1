import TollGuardCore

/// An account's daily spend as bars with its quota as a line: the geometry of the case file's SVG
/// chart, drawn on the server (no script, nothing but numbers and escaped text in the markup).
struct SpendChart {
    static let width = 720
    static let height = 180
    /// Room under the plot for the day labels, and left of it for the scale.
    static let bottom = 20
    static let left = 70

    struct Bar {
        var x: Int
        var y: Int
        var width: Int
        var height: Int
        /// Past the quota that day.
        var over: Bool
        /// `2026-11-12: $12.34 in 40 calls`.
        var title: String
    }

    struct Label {
        var x: Int
        var text: String
    }

    var bars: [Bar]
    var days: [Label]
    /// The quota line's height, when the account has a quota.
    var quotaY: Int
    var quotaLabelY: Int
    var hasQuota: Bool
    var quotaText: String
    var scaleTop: String
    var total: String
    var overDays: Int
    // For the template: plain values only (swift-mustache reads stored properties).
    var chartWidth = Self.width
    var chartHeight = Self.height
    var plotLeft = Self.left
    var plotRight = Self.width
    var plotBottom = Self.height - Self.bottom
    var labelY = Self.height - 4

    /// The line is the standing quota; a day whose quota was raised is over only past its raise.
    init(_ spend: [DaySpend], quotaMicros: Int64?, raised: [String: Int64] = [:], currency: String) {
        let plotHeight = Self.height - Self.bottom - 8
        let top = max(spend.map(\.micros).max() ?? 0, Int64(Double(quotaMicros ?? 0) * 1.15), 1)
        let slot = (Self.width - Self.left) / max(spend.count, 1)
        func y(_ micros: Int64) -> Int {
            Self.height - Self.bottom - Int(Double(micros) / Double(top) * Double(plotHeight))
        }
        bars = spend.enumerated().map { index, day in
            let barTop = y(day.micros)
            return Bar(
                x: Self.left + index * slot + 1, y: barTop, width: max(slot - 2, 1),
                height: Self.height - Self.bottom - barTop,
                over: (raised[day.day] ?? quotaMicros).map { day.micros > $0 } ?? false,
                title: "\(day.day): \(ConsolePages.money(day.micros, currency)) in \(day.calls) calls"
                    + (raised[day.day].map { ", quota raised to \(ConsolePages.money($0, currency))" } ?? ""))
        }
        // The first day, every seventh after it, and the last: dates stay readable.
        days = spend.enumerated().compactMap { index, day in
            guard (index % 7 == 0 && index < spend.count - 3) || index == spend.count - 1 else { return nil }
            return Label(x: Self.left + index * slot, text: String(day.day.suffix(5)))
        }
        quotaY = quotaMicros.map(y) ?? 0
        quotaLabelY = max(quotaY - 4, 10)
        hasQuota = quotaMicros != nil
        quotaText = quotaMicros.map { "quota \(ConsolePages.money($0, currency))" } ?? ""
        scaleTop = ConsolePages.money(top, currency)
        total = ConsolePages.money(spend.reduce(0) { $0 + $1.micros }, currency)
        overDays = bars.filter(\.over).count
    }
}
