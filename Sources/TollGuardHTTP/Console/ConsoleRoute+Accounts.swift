import Foundation
import Hummingbird
import TollGuardCore

/// The accounts page: every account's spend on a day against its quota, and quota changes.
extension ConsoleRoute {
    /// The site-local day `text` (`YYYY-MM-DD`) names, today when nil; nil when `text` is no date.
    func day(_ text: String?) -> (start: Date, end: Date, text: String)? {
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
        let components = calendar.dateComponents([.year, .month, .day], from: start)
        let label = String(
            format: "%04d-%02d-%02d", components.year ?? 0, components.month ?? 0, components.day ?? 0)
        return (start, end, label)
    }

    func accounts(date: String?, error: String?, _ signed: Signed) async throws -> Response {
        var header = try await header("Accounts and quotas", signed)
        header.onAccounts = true
        guard let day = day(date) else {
            return Response.page("date \(date ?? ""): use YYYY-MM-DD", status: .badRequest)
        }
        let analysis = settings.analysis()
        let (spend, quotas) = try await database.inThreadPool { database in
            (
                try database.spendByAccount(from: day.start, to: day.end, publicContexts: analysis.publicContexts)
                    .filter { $0.subject.kind == .account },
                try database.quotas()
            )
        }
        let quotaByAccount = Dictionary(quotas.map { ($0.account, $0.dailyMicros) }, uniquingKeysWith: { $1 })
        var resolver = PolicyResolver(settings: analysis, quotas: quotaByAccount)
        var figures: [String: (calls: Int, spent: Int64)] = [:]
        for entry in spend { figures[entry.subject.value] = (entry.calls, entry.costMicros) }
        for quota in quotas where figures[quota.account] == nil { figures[quota.account] = (0, 0) }
        let mayAdminister = signed.user.role.mayAdminister
        let currency = settings.currency
        let rows = figures.map { account, figure -> (Double, Int64, ConsolePages.AccountRow) in
            // The quota analysis applies: the table's, else the configuration's (marked as such).
            let quota =
                quotaByAccount[account]
                ?? resolver.policy(for: Subject(.account, account)).active(.dailyQuota).map(Money.micros)
            let configured = quotaByAccount[account] == nil && quota != nil
            let bar = quota.map { ConsolePages.bar(spent: figure.spent, quota: $0) }
            let fraction = quota.flatMap { $0 > 0 ? Double(figure.spent) / Double($0) : nil } ?? -1
            return (
                fraction, figure.spent,
                ConsolePages.AccountRow(
                    account: account, calls: figure.calls, spent: ConsolePages.money(figure.spent, currency),
                    quota: quota.map { ConsolePages.money($0, currency) + (configured ? " (configured)" : "") }
                        ?? "none",
                    hasQuota: quota != nil, amount: quota.map { Money.format($0, decimals: 2) } ?? "",
                    percentText: bar?.text ?? "",
                    quotaClass: bar?.colour ?? "", quotaPercent: bar?.percent ?? 0, mayAdminister: mayAdminister,
                    csrf: signed.csrf)
            )
        }
        .sorted { ($0.0, $0.1, $1.2.account) > ($1.0, $1.1, $0.2.account) }.map(\.2)
        let page = ConsolePages.AccountsPage(
            header: header, date: day.text, zone: settings.timeZone.identifier, error: error,
            rows: rows, hasRows: !rows.isEmpty, mayAdminister: mayAdminister)
        return Response.page(pages.render(page, "accounts"), status: error == nil ? .ok : .badRequest)
    }

    func changeQuota(_ request: Request, _ signed: Signed) async throws -> Response {
        let form = try await Self.form(request)
        if let refusal = refusal(request, form: form, signed: signed) { return refusal }
        guard signed.user.role.mayAdminister else { return Self.forbidden(signed.user.role, "change quotas") }
        let account = form["account"] ?? ""
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let amount = (form["amount"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !account.isEmpty else { return Response.page("which account?", status: .badRequest) }
        guard !reason.isEmpty else {
            return try await accounts(date: nil, error: "A quota change needs a reason.", signed)
        }
        guard let micros = Money.micros(amount), micros >= 0 else {
            return try await accounts(
                date: nil, error: "\(amount) is no amount: use a number like 25 or 12.50.", signed)
        }
        let currency = settings.currency
        try await database.inThreadPool {
            try $0.setQuota(
                account: account, dailyMicros: micros, currency: currency, setBy: signed.user.name, reason: reason)
        }
        return Response.redirect(to: "/console/accounts")
    }
}
