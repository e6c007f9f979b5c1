/// Resolves the limits of a subject: built-in defaults and its kind's table, then each group
/// it belongs to (in name order), then its own entry, then — for an account's daily quota —
/// the quota table that `tollguard quota set` writes.
///
/// Resolved policies are cached.
package struct PolicyResolver: Sendable {
    private struct Group: Sendable {
        let name: String
        let profile: AnalysisProfile
        let exactAccounts: Set<String>
        let accountPrefixes: [String]
        let ranges: [IPAddressRange]
        let trunks: Set<String>

        func contains(_ subject: Subject) -> Bool {
            switch subject.kind {
            case .account:
                exactAccounts.contains(subject.value) || accountPrefixes.contains { subject.value.hasPrefix($0) }
            case .caller:
                false  // a forged caller ID must not buy a group's limits
            case .trunk:
                trunks.contains(subject.value)
            case .ip:
                IPAddressRange.address(subject.value).map { address in ranges.contains { $0.contains(address.0) } }
                    ?? false
            }
        }
    }

    private let settings: AnalysisSettings
    private let publicContexts: Set<String>
    private let quotas: [String: Int64]
    private let raises: QuotaRaises
    private let groups: [Group]
    private var cache: [Subject: SubjectPolicy] = [:]
    /// Each subject's place in the analyzers' tables (``SubjectTable``), for as long as the
    /// engine runs: a quota changed does not move it.
    private var ordinals: [Subject: Int] = [:]

    /// `quotas` are daily quotas in micro-units by account, from the quota table; `raises` the
    /// quotas raised for single days.
    package init(settings: AnalysisSettings, quotas: [String: Int64] = [:], raises: QuotaRaises = [:]) {
        self.settings = settings
        publicContexts = Set(settings.publicContexts)
        self.quotas = quotas
        self.raises = raises
        groups = settings.groups.sorted { $0.key < $1.key }.map { name, profile in
            let accounts = profile.accounts ?? []
            return Group(
                name: name, profile: profile,
                exactAccounts: Set(accounts.filter { !$0.hasSuffix("*") }),
                accountPrefixes: accounts.filter { $0.hasSuffix("*") }.map { String($0.dropLast()) },
                ranges: (profile.ips ?? []).compactMap { IPAddressRange($0) }, trunks: Set(profile.trunks ?? []))
        }
    }

    /// The policy in force for `subject`.
    package mutating func policy(for subject: Subject) -> SubjectPolicy {
        if let cached = cache[subject] { return cached }
        let ordinal = ordinals[subject] ?? ordinals.count
        ordinals[subject] = ordinal
        let resolved = resolve(subject, ordinal: ordinal)
        cache[subject] = resolved
        return resolved
    }

    /// The same settings with the quota table as it is now; the subjects seen keep their places
    /// in the analyzers' tables (given places anew, one subject's state would be another's).
    package func replacingQuotas(_ quotas: [String: Int64], raises: QuotaRaises = [:]) -> PolicyResolver {
        guard quotas != self.quotas || raises != self.raises else { return self }
        var replaced = PolicyResolver(settings: settings, quotas: quotas, raises: raises)
        replaced.ordinals = ordinals
        return replaced
    }

    /// The subjects met so far, by their places in the analyzers' tables.
    var subjectOrdinals: [Subject: Int] { ordinals }

    /// Gives the subjects the places a snapshot recorded (a resolver that met none yet).
    mutating func restore(subjectOrdinals: [Subject: Int]) {
        cache = [:]
        ordinals = subjectOrdinals
    }

    /// The policies of a call's subjects.
    package mutating func subjects(of call: ObservedCall) -> CallSubjects {
        CallSubjects(
            account: policy(
                for: .account(
                    call.account, callerNumber: call.callerNumber, context: call.context, publicContexts: publicContexts
                )),
            ip: call.sourceIP.map { policy(for: Subject(.ip, $0)) },
            trunk: call.trunk.map { policy(for: Subject(.trunk, $0)) })
    }

    private func resolve(_ subject: Subject, ordinal: Int) -> SubjectPolicy {
        let base = settings.profile(for: subject.kind)
        var values = AnalysisLimit.allCases.map { base.limits[$0] ?? $0.defaultValue(for: subject.kind) }
        let table = subject.kind == .caller ? Subject.Kind.account : subject.kind  // callers have no table of their own
        var origins = Array(repeating: "analysis.\(table.rawValue)", count: values.count)
        var profile = base
        var memberOf: [String] = []
        func lay(_ layer: AnalysisProfile, origin: String) {
            for (limit, value) in layer.limits {
                values[limit.rawValue] = value
                origins[limit.rawValue] = origin
            }
            profile = profile.overlaid(with: layer)
        }
        for group in groups where group.contains(subject) {
            memberOf.append(group.name)
            lay(group.profile, origin: "group \(group.name)")
        }
        if subject.kind == .account, let own = settings.accounts[subject.value] {
            lay(own, origin: "account \(subject.value)")
        }
        if subject.kind == .account, let quota = quotas[subject.value] {
            values[AnalysisLimit.dailyQuota.rawValue] = Double(quota) / Double(Money.microsPerUnit)
            origins[AnalysisLimit.dailyQuota.rawValue] = "quota table"
        }
        return SubjectPolicy(
            subject: subject, ordinal: ordinal, values: values, origins: origins,
            allowedClasses: Set(profile.allowedClasses ?? []),
            deniedPrefixes: profile.deniedPrefixes ?? [], allowedPrefixes: profile.allowedPrefixes ?? [],
            groups: memberOf, quotaRaises: subject.kind == .account ? raises[subject.value] ?? [:] : [:])
    }
}
