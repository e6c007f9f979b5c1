/// Public-context leaks: a call that arrived in an inbound context (`public` in FreeSWITCH,
/// `from-trunk` in Asterisk) and was routed to an external destination — a route that must
/// never exist.
///
/// `high` on the attempt, `critical` once answered; against the trunk, else the
/// source IP, else the account.
///
/// Inbound calls to the site's own numbers look national, so national and mobile
/// destinations count only when `own_number_prefixes` names the site's numbers; international
/// and premium destinations always count (no DID is international from its own side).
package struct PublicContextAnalyzer: StatelessAnalyzer {
    private let publicContexts: Set<String>
    private let ownNumberPrefixes: [String]

    package init(publicContexts: [String], ownNumberPrefixes: [String]) {
        self.publicContexts = Set(publicContexts)
        self.ownNumberPrefixes = ownNumberPrefixes
    }

    package func observe(_ event: CallEvent) -> [Finding] {
        let call = event.call
        guard event.kind != .ended, publicContexts.contains(call.context), call.destinationClass.isExternal else {
            return []
        }
        let dialed = call.dialString
        let digits = call.e164.map { String($0.dropFirst()) }
        if ownNumberPrefixes.contains(where: { dialed.hasPrefix($0) || digits?.hasPrefix($0) == true }) { return [] }
        guard call.destinationClass.isHighCost || !ownNumberPrefixes.isEmpty else { return [] }
        let subject = (event.subjects.trunk ?? event.subjects.ip ?? event.subjects.account).subject
        let answered = event.kind == .answered
        return [
            Finding(
                rule: .publicContext, severity: answered ? .critical : .high, subject: subject, time: event.time,
                headline: "routed a call from public context \(call.context) to \(call.destinationClass.rawValue) "
                    + "number \(call.number)\(answered ? ", answered" : "")",
                metrics: ["context": .text(call.context), "class": .text(call.destinationClass.rawValue)],
                calls: [call.evidence])
        ]
    }
}
