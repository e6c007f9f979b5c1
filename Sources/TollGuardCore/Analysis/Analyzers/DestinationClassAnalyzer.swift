/// Destination classes: a call to a class the account is not allowed (`high`), and calls to
/// premium-rate, international-network and satellite numbers even where allowed (`warning`),
/// shared-cost numbers (`info`).
///
/// Hotspot evidence raises either by one step; alone it alerts nothing.
package struct DestinationClassAnalyzer: StatelessAnalyzer {
    package init() {}

    package func observe(_ event: CallEvent) -> [Finding] {
        guard event.kind == .started else { return [] }
        let call = event.call
        let policy = event.subjects.account
        let destinationClass = call.destinationClass
        guard destinationClass.isExternal else { return [] }
        let inHotspot = call.hotspot != nil
        var metrics: [String: MetricValue] = [
            "class": .text(destinationClass.rawValue),
            "allowed_classes": .list(DestinationClass.allCases.filter(policy.allowedClasses.contains).map(\.rawValue)),
            "risk": .list(call.risk.labels),
        ]
        if let hotspot = call.hotspot { metrics["hotspot"] = .text("+" + hotspot) }
        // +800, +870, +881…: no country, "001" in the numbering data.
        let place = call.region.map { $0 == "001" ? " (international network)" : " (\($0))" } ?? ""
        if !policy.allowedClasses.contains(destinationClass) {
            return [
                Finding(
                    rule: .destinationClass, severity: Severity.high.raised(if: inHotspot), subject: policy.subject,
                    time: event.time,
                    headline:
                        "called \(call.number)\(place), a \(destinationClass.rawValue) destination it is not allowed",
                    metrics: metrics, calls: [call.evidence])
            ]
        }
        let kind: String
        let severity: Severity
        if destinationClass == .premium {
            kind =
                call.risk.contains(.internationalNetwork)
                ? "international-network" : call.risk.contains(.satellite) ? "satellite" : "premium-rate"
            severity = .warning
        } else if call.risk.contains(.sharedCost) {
            kind = "shared-cost"
            severity = .info
        } else {
            return []
        }
        return [
            Finding(
                rule: .premiumDestination, severity: severity.raised(if: inHotspot), subject: policy.subject,
                time: event.time, headline: "called \(kind) number \(call.number)\(place)", metrics: metrics,
                calls: [call.evidence])
        ]
    }
}
