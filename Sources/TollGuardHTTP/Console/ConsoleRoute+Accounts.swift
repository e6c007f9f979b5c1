import Foundation
import Hummingbird
import TollGuardCore

/// The accounts page: every account's spend on a day against its quota, and quota changes.
extension ConsoleRoute {
    /// The site-local day `text` (`YYYY-MM-DD`) names, today when nil; nil when `text` is no date.
    package func day(_ text: String?) -> (start: Date, end: Date, text: String)? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = settings.timeZone
        let start: Date
        if let text {
            let parts = text.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3,
                let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
            else { return nil }
            start = date
        } else {
            start = calendar.startOfDay(for: Date())
        }
        guard let end = calendar.date(byAdding: .day, value: 1, to: start) else { return nil }
        var clock = LocalClock(timeZone: settings.timeZone)
        return (start, end, LocalClock.dayText(clock.local(start.timeIntervalSince1970).day))
    }

    /// One account on one day: its calls and spend against the quota analysis applies.
    package struct AccountDay: Encodable, Sendable {
        var account: String
        var calls: Int
        var spentMicros: Int64
        /// The quota that day: its raise, else the quota table's, else the configuration's
        /// (`quotaConfigured`); nil without one.
        var quotaMicros: Int64?
        var quotaConfigured: Bool
        /// The day's raise, when a person raised the quota until its end.
        var raise: QuotaRaise?

        /// Spend against quota (1.0 = reached); -1 without a quota.
        var fraction: Double { quotaMicros.flatMap { $0 > 0 ? Double(spentMicros) / Double($0) : nil } ?? -1 }

        enum CodingKeys: String, CodingKey {
            case account, calls
            case spentMicros = "spent_micros"
            case quotaMicros = "quota_micros"
            case quotaConfigured = "quota_configured"
            case raise
        }
    }

    /// Every account that spent on `day` or has a quota, nearest or past its quota first.
    package func accountDays(_ day: (start: Date, end: Date, text: String)) async throws -> [AccountDay] {
        let analysis = settings.analysis()
        let spend = try await store.spendByAccount(
            from: day.start, to: day.end, publicContexts: analysis.publicContexts
        ).filter { $0.subject.kind == .account }
        let quotas = try await store.quotas()
        let raises = try await store.quotaRaises(onDay: day.text)
        let quotaByAccount = Dictionary(quotas.map { ($0.account, $0.dailyMicros) }, uniquingKeysWith: { $1 })
        var resolver = PolicyResolver(settings: analysis, quotas: quotaByAccount)
        var figures: [String: (calls: Int, spent: Int64)] = [:]
        for entry in spend { figures[entry.subject.value] = (entry.calls, entry.costMicros) }
        for account in quotas.map(\.account) + raises.keys where figures[account] == nil { figures[account] = (0, 0) }
        return figures.map { account, figure in
            let standing =
                quotaByAccount[account]
                ?? resolver.policy(for: Subject(.account, account)).active(.dailyQuota).map(Money.micros)
            let raise = raises[account]
            return AccountDay(
                account: account, calls: figure.calls, spentMicros: figure.spent,
                quotaMicros: raise?.dailyMicros ?? standing,
                quotaConfigured: raise == nil && quotaByAccount[account] == nil && standing != nil, raise: raise)
        }
        .sorted {
            ($0.fraction, $0.spentMicros, $1.account) > ($1.fraction, $1.spentMicros, $0.account)
        }
    }

    func accounts(date: String?, error: String?, _ signed: Signed) async throws -> Response {
        var header = try await header("Accounts and quotas", signed)
        header.onAccounts = true
        guard let day = day(date) else {
            return Response.page("date \(date ?? ""): use YYYY-MM-DD", status: .badRequest)
        }
        let mayAdminister = signed.user.role.mayAdminister
        let isToday = day.text == self.day(nil)?.text
        let currency = settings.currency
        let rows = try await accountDays(day).map { entry in
            let bar = entry.quotaMicros.map { ConsolePages.bar(spent: entry.spentMicros, quota: $0) }
            return ConsolePages.AccountRow(
                account: entry.account, calls: entry.calls, spent: ConsolePages.money(entry.spentMicros, currency),
                quota: entry.quotaMicros.map {
                    ConsolePages.money($0, currency) + (entry.quotaConfigured ? " (configured)" : "")
                } ?? "none",
                raise: entry.raise.map { "raised until midnight by \($0.setBy): \($0.reason)" },
                hasQuota: entry.quotaMicros != nil,
                amount: entry.quotaMicros.map { Money.format($0, decimals: 2) } ?? "",
                percentText: bar?.text ?? "", quotaClass: bar?.colour ?? "", quotaPercent: bar?.percent ?? 0,
                mayAdminister: mayAdminister, mayRaise: mayAdminister && isToday, csrf: signed.csrf)
        }
        let page = ConsolePages.AccountsPage(
            header: header, date: day.text, zone: settings.timeZone.identifier, error: error,
            rows: rows, hasRows: !rows.isEmpty, mayAdminister: mayAdminister)
        return Response.page(pages.render(page, "accounts"), status: error == nil ? .ok : .badRequest)
    }

    /// The accounts page's quota form: a change (`action=set`, the default) or a raise until
    /// midnight (`action=raise`).
    func changeQuota(_ request: Request, _ signed: Signed) async throws -> Response {
        let form = try await Self.form(request)
        if let refusal = refusal(request, form: form, signed: signed) { return refusal }
        let account = form["account"] ?? ""
        let outcome =
            form["action"] == "raise"
            ? try await raiseQuota(account, amount: form["amount"], reason: form["reason"], signed).map { _ in () }
            : try await setQuota(account, amount: form["amount"], reason: form["reason"], signed).map { _ in () }
        switch outcome {
        case .success: return Response.redirect(to: "/console/accounts")
        case .failure(let refusal) where refusal.status == .forbidden:
            return Response.page(refusal.message, status: .forbidden)
        case .failure(let refusal): return try await accounts(date: nil, error: refusal.message, signed)
        }
    }

    /// An admin's quota change of `account` to `amount`, with its reason: both checked.
    private func quotaChange(_ account: String, amount: String?, reason: String?, _ signed: Signed) -> Result<
        (micros: Int64, reason: String), TriageRefusal
    > {
        guard signed.user.role.mayAdminister else { return .failure(.forbidden(signed.user.role, "change quotas")) }
        let reason = (reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let amount = (amount ?? "").trimmingCharacters(in: .whitespaces)
        guard !account.isEmpty else { return .failure(TriageRefusal(message: "Which account?")) }
        guard !reason.isEmpty else { return .failure(TriageRefusal(message: "A quota change needs a reason.")) }
        guard let micros = Money.micros(amount), micros >= 0 else {
            return .failure(TriageRefusal(message: "\(amount) is no amount: use a number like 25 or 12.50."))
        }
        return .success((micros, reason))
    }

    /// Sets `account`'s daily quota for an admin, with the reason the journal keeps.
    func setQuota(_ account: String, amount: String?, reason: String?, _ signed: Signed) async throws
        -> Result<Int64, TriageRefusal>
    {
        let change: (micros: Int64, reason: String)
        switch quotaChange(account, amount: amount, reason: reason, signed) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let checked): change = checked
        }
        let currency = settings.currency
        try await store.setQuota(
            QuotaEntry(
                account: account, dailyMicros: change.micros, currency: currency, setBy: signed.user.name,
                setAt: Date()),
            reason: change.reason)
        return .success(change.micros)
    }

    /// Raises `account`'s quota until the end of today (the site's day) for an admin, with the
    /// reason the journal keeps; the daily-quota rule and the live pipeline take it at once.
    func raiseQuota(_ account: String, amount: String?, reason: String?, _ signed: Signed) async throws
        -> Result<QuotaRaise, TriageRefusal>
    {
        let change: (micros: Int64, reason: String)
        switch quotaChange(account, amount: amount, reason: reason, signed) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let checked): change = checked
        }
        guard let today = day(nil) else { return .failure(TriageRefusal(message: "No day today.")) }
        let raise = QuotaRaise(
            account: account, day: today.text, dailyMicros: change.micros, currency: settings.currency,
            reason: change.reason, setBy: signed.user.name, setAt: Date())
        let analysis = settings.analysis()
        try await store.raiseQuota(raise, analysis: analysis)
        return .success(raise)
    }
}
