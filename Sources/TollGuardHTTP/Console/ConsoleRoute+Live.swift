import Foundation
import Hummingbird
import TollGuardCore

/// The live page: the calls up now per account, with what they have cost so far.
extension ConsoleRoute {
    struct LiveCallRow {
        var uuid: String
        var callerNumber: String
        var number: String
        var region: String
        var sourceIP: String
        var started: String
        var answered: Bool
        var rate: String
        var cost: String
        var switchName: String

        init(_ call: LiveCallsSnapshot.Call, currency: String) {
            switchName = call.switchName ?? ""
            uuid = call.uuid
            callerNumber = call.callerNumber
            number = call.number
            region = call.region ?? ""
            sourceIP = call.sourceIP ?? ""
            started = ConsolePages.time(call.startedAt)
            answered = call.answeredAt != nil
            rate = ConsolePages.money(call.ratePerMinuteMicros, currency) + "/min"
            cost = ConsolePages.money(call.runningCostMicros, currency)
        }
    }

    struct LiveAccount {
        var account: String
        var count: Int
        var cost: String
        var calls: [LiveCallRow]
    }

    struct LivePage {
        var header: PageHeader
        var hasSource: Bool
        var at: String?
        var accounts: [LiveAccount]
        var hasCalls: Bool
        var count: Int
    }

    func live(_ signed: Signed) async throws -> Response {
        var header = try await header("Live calls", signed)
        header.onLive = true
        let snapshot = settings.liveCalls?()
        let currency = settings.currency
        let accounts = (snapshot?.byAccount ?? []).map { group in
            LiveAccount(
                account: group.account, count: group.calls.count,
                cost: ConsolePages.money(group.runningCostMicros, currency),
                calls: group.calls.map { LiveCallRow($0, currency: currency) })
        }
        let page = LivePage(
            header: header, hasSource: settings.liveCalls != nil, at: snapshot.map { ConsolePages.time($0.at) },
            accounts: accounts, hasCalls: !accounts.isEmpty, count: snapshot?.calls.count ?? 0)
        return Response.page(pages.render(page, "live"), status: .ok)
    }
}
