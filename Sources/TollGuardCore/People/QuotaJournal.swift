import Foundation

extension JournalEntry {
    /// `quota.set`: `account`'s standing quota replaced (`before`, nil when it had none) by `after`.
    package static func quotaSet(_ after: QuotaEntry, before: QuotaEntry?, reason: String?) -> JournalEntry {
        JournalEntry(
            at: after.setAt, actor: after.setBy, action: "quota.set", subjectType: "account", subject: after.account,
            before: before.map { amount($0.dailyMicros, $0.currency) },
            after: amount(after.dailyMicros, after.currency),
            note: reason)
    }

    /// `quota.removed`: `removed` deleted by `actor`; the configured default applies again.
    package static func quotaRemoved(_ removed: QuotaEntry, by actor: String, at: Date, reason: String?)
        -> JournalEntry
    {
        JournalEntry(
            at: at, actor: actor, action: "quota.removed", subjectType: "account", subject: removed.account,
            before: amount(removed.dailyMicros, removed.currency), note: reason)
    }

    /// `quota.raised`: `raise` replacing the quota of its day (`replaced`: an earlier raise, else
    /// the standing quota; nil when the account had none).
    package static func quotaRaised(_ raise: QuotaRaise, replaced: Int64?) -> JournalEntry {
        JournalEntry(
            at: raise.setAt, actor: raise.setBy, action: "quota.raised", subjectType: "account",
            subject: raise.account, before: replaced.map { amount($0, raise.currency) } ?? "none",
            after: amount(raise.dailyMicros, raise.currency) + " until the end of \(raise.day)", note: raise.reason)
    }

    private static func amount(_ micros: Int64, _ currency: String) -> String {
        "\(Money.format(micros, decimals: 2)) \(currency)"
    }
}

extension PolicyResolver {
    /// `account`'s standing daily quota in micro-units, as analysis applies it: `quotas`' (the
    /// quota table's), else `analysis`'s (the account's own, its groups', the default); nil without one.
    package static func standingQuota(of account: String, analysis: AnalysisSettings, quotas: [String: Int64])
        -> Int64?
    {
        var resolver = PolicyResolver(settings: analysis, quotas: quotas)
        return resolver.policy(for: Subject(.account, account)).active(.dailyQuota).map(Money.micros)
    }
}
