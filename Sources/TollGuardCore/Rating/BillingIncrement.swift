/// How a carrier rounds call time: a first block, then increments (`60/60`, `30/6`, `1/1`).
package struct BillingIncrement: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Seconds billed for any answered call, however short.
    package let initialSeconds: Int
    /// Seconds each further step adds.
    package let incrementSeconds: Int

    package static let perMinute = BillingIncrement(initialSeconds: 60, incrementSeconds: 60)

    package init(initialSeconds: Int, incrementSeconds: Int) {
        self.initialSeconds = initialSeconds
        self.incrementSeconds = incrementSeconds
    }

    /// Reads `30/6`; nil unless both parts are positive whole seconds.
    package init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let initial = Int(parts[0].trimmingWhitespace()),
            let step = Int(parts[1].trimmingWhitespace()),
            initial > 0, step > 0
        else { return nil }
        self.init(initialSeconds: initial, incrementSeconds: step)
    }

    package var description: String { "\(initialSeconds)/\(incrementSeconds)" }

    /// Billed seconds for `seconds` of talk: 61 s at `30/6` bills 66 s; 0 s bills nothing.
    package func billedSeconds(_ seconds: Int) -> Int {
        guard seconds > 0 else { return 0 }
        guard seconds > initialSeconds else { return initialSeconds }
        let beyond = seconds - initialSeconds
        return initialSeconds + (beyond + incrementSeconds - 1) / incrementSeconds * incrementSeconds
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    package func trimmingWhitespace() -> Substring {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return slice
    }
}
