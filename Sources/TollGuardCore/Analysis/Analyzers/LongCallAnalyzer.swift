/// Long calls: one call longer than the limit for its destination class (IRSF calls are
/// kept up for hours).
///
/// `warning`, `high` from twice the limit.
package struct LongCallAnalyzer: StatelessAnalyzer {
    package init() {}

    package func observe(_ event: CallEvent) -> [Finding] {
        let call = event.call
        guard event.kind == .ended, let limit = AnalysisLimit.longCall(for: call.destinationClass),
            let minutes = event.subjects.account.active(limit), Double(call.billsec) > minutes * 60
        else { return [] }
        let policy = event.subjects.account
        var metrics = policy.metrics(for: limit)
        metrics["minutes"] = .count(call.billsec / 60)
        return [
            Finding(
                rule: .longCall,
                severity: .scaled(Double(call.billsec), limit: minutes * 60, base: .warning, factor: 2),
                subject: policy.subject, time: event.time,
                headline: "talked \(call.billsec / 60) min to \(call.destinationClass.rawValue) number \(call.number) "
                    + "(limit \(Int(minutes)) min)",
                metrics: metrics, calls: [call.evidence])
        ]
    }
}
