/// Known-fraud lists: a destination on a list (`critical`, against the account) and a call
/// from a listed source IP (`high`, against the IP).
package struct FraudListAnalyzer: StatelessAnalyzer {
    private let lists: FraudLists

    package init(lists: FraudLists) { self.lists = lists }

    package func observe(_ event: CallEvent) -> [Finding] {
        guard event.kind == .started else { return [] }
        let call = event.call
        var findings: [Finding] = []
        if let digits = call.e164?.dropFirst() {
            let matches = lists.matches(destinationE164: digits)
            if !matches.isEmpty {
                findings.append(
                    Finding(
                        rule: .fraudListDestination, severity: .critical, subject: event.subjects.account.subject,
                        time: event.time,
                        headline: "called \(call.number), listed in \(Self.describe(matches))",
                        metrics: ["lists": .list(matches.map(\.list)), "entries": .list(matches.map(\.entry))],
                        calls: [call.evidence]))
            }
        }
        if let ip = event.subjects.ip {
            let matches = lists.matches(sourceIP: ip.subject.value)
            if !matches.isEmpty {
                findings.append(
                    Finding(
                        rule: .fraudListSourceIP, severity: .high, subject: ip.subject, time: event.time,
                        headline: "placed a call from an address listed in \(Self.describe(matches))",
                        metrics: ["lists": .list(matches.map(\.list)), "entries": .list(matches.map(\.entry))],
                        calls: [call.evidence]))
            }
        }
        return findings
    }

    private static func describe(_ matches: [FraudLists.Match]) -> String {
        matches.map { "\($0.list) (\($0.entry))" }.joined(separator: ", ")
    }
}
