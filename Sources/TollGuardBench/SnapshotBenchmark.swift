import ArgumentParser
import Foundation
import TollGuardCore

/// The engine's snapshot at a busy cluster's scale: an hour of calls in the windows, written and
/// restored, beside the replay of that hour (the baseline) — what a takeover costs with and
/// without one.
struct SnapshotBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "The engine's snapshot and restore after an hour of N calls, beside the replay of that hour.")

    @Option(help: "Calls in the hour (5,000 calls/s is 18,000,000).")
    var calls = 1_000_000

    @Option(help: "Accounts placing them.")
    var accounts = 20_000

    func run() throws {
        let engine = { AnalysisEngine.standard(settings: AnalysisSettings(), timeZone: .gmt) }
        let hour = Self.hour(calls: calls, accounts: accounts)
        let clock = ContinuousClock()
        var running = engine()
        let replay = clock.measure { for call in hour { _ = running.replay(call) } }
        var snapshot = Data()
        let encode = try clock.measure { snapshot = try running.snapshot() }
        var restored = engine()
        let restore = try clock.measure { try restored.restore(snapshot) }
        let replaySeconds = replay.seconds
        print("\(calls) calls in one hour from \(accounts) accounts")
        print(
            String(
                format: "replay of the hour (the baseline)  %8.2f s  %9.0f calls/s", replaySeconds,
                Double(calls) / replaySeconds))
        print(
            String(
                format: "snapshot written                    %8.2f s  %9.1f MB  (%.2f× the replay)", encode.seconds,
                Double(snapshot.count) / 1_048_576, encode.seconds / replaySeconds))
        print(
            String(
                format: "snapshot restored                   %8.2f s             (%.2f× the replay)", restore.seconds,
                restore.seconds / replaySeconds))
        let reachHours = engine().reach / 3600
        print(
            String(
                format: "a takeover replaying the reach (%.0f h at this rate, estimated from the hour): %.0f s; "
                    + "restoring: %.1f s", reachHours, replaySeconds * reachHours, restore.seconds))
    }

    /// `calls` calls spread over one hour: most national, some international, a few premium;
    /// each account through one of a few hundred addresses and a few trunks.
    static func hour(calls: Int, accounts: Int) -> [ObservedCall] {
        var generator = SystemRandomNumberGenerator()
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        return (0..<calls).map { index in
            let offset = 3600 * Double(index) / Double(calls)
            let account = String(1000 + Int.random(in: 0..<accounts, using: &generator))
            let kind = Int.random(in: 0..<100, using: &generator)
            let number = String(Int.random(in: 2_000_000_000..<9_000_000_000, using: &generator))
            let (scope, e164, region, type, rate): (CallScope, String, String, NumberType, Int64) =
                kind < 85
                ? (.national, "+1" + number, "US", .fixedLineOrMobile, 10_000)
                : kind < 98
                    ? (.international, "+44" + number, "GB", .fixedLine, 30_000)
                    : (.international, "+3719" + number.prefix(7), "LV", .premiumRate, 1_500_000)
            let talk = Double(Int.random(in: 0..<600, using: &generator))
            let answered = talk > 60
            let begun = start.addingTimeInterval(offset)
            return ObservedCall(
                key: "bench-\(index)", account: account, sourceIP: "10.0.\(index % 250).\(index % 200)",
                trunk: "gw-\(index % 4)", dialed: "9" + e164.dropFirst(), scope: scope, e164: e164, region: region,
                numberType: type, risk: type == .premiumRate ? .premiumRate : [], ratePerMinuteMicros: rate,
                costMicros: answered ? rate * Int64(talk / 60) : 0, startedAt: begun,
                answeredAt: answered ? begun.addingTimeInterval(5) : nil,
                endedAt: begun.addingTimeInterval(answered ? 5 + talk : 20), billsec: answered ? Int(talk) : 0,
                disposition: answered ? .answered : .noAnswer)
        }
    }
}
