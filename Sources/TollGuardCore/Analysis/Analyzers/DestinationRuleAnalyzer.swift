/// Dial-plan rules in the manner of FreeSWITCH's mod_cti guide, per account: a maximum
/// number length, denied prefixes (`00`, `+`), and allowed prefixes (when set, every other
/// external call is denied).
///
/// A broken rule is `high`: the PBX should never have routed it.
package struct DestinationRuleAnalyzer: StatelessAnalyzer {
    package init() {}

    package func observe(_ event: CallEvent) -> [Finding] {
        guard event.kind == .started else { return [] }
        let call = event.call
        guard call.scope != .internal, call.scope != .emergency else { return [] }
        let policy = event.subjects.account
        let dialed = call.dialString
        var broken: [(reason: String, metrics: [String: MetricValue])] = []
        let digits = dialed.filter(\.isNumber).count
        if let maximum = policy.active(.maxNumberLength), Double(digits) > maximum {
            var metrics = policy.metrics(for: .maxNumberLength)
            metrics["digits"] = .count(digits)
            broken.append(("dialled \(digits) digits (limit \(Int(maximum)))", metrics))
        }
        if let denied = policy.deniedPrefixes.first(where: { dialed.hasPrefix($0) }) {
            broken.append(("dialled \(call.dialed), denied prefix \(denied)", ["denied_prefix": .text(denied)]))
        }
        if !policy.allowedPrefixes.isEmpty, !policy.allowedPrefixes.contains(where: { dialed.hasPrefix($0) }) {
            broken.append(
                (
                    "dialled \(call.dialed), outside the allowed prefixes",
                    ["allowed_prefixes": .list(policy.allowedPrefixes)]
                ))
        }
        return broken.map { reason, metrics in
            Finding(
                rule: .destinationRule, severity: .high, subject: policy.subject, time: event.time, headline: reason,
                metrics: metrics, calls: [call.evidence])
        }
    }
}
