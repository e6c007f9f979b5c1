import Foundation
import TollGuardCore

/// What to simulate.
package struct SimulationSettings: Sendable, Hashable {
    package var days = 7
    package var accounts = 60
    package var seed: UInt64 = 2026
    /// The first simulated local day, `YYYY-MM-DD` (a Monday by default).
    package var firstDay = "2026-11-09"
    /// Whether to inject the fraud scenarios (off: honest traffic only).
    package var injectFraud = true

    package init() {}

    /// Problems that make these settings unusable, as sentences.
    package func validationErrors() -> [String] {
        var errors: [String] = []
        if !(1...366).contains(days) { errors.append("--days must be between 1 and 366") }
        if !(16...5000).contains(accounts) { errors.append("--accounts must be between 16 and 5000") }
        if firstMidnight == nil { errors.append("the first day \"\(firstDay)\" is not a date (YYYY-MM-DD)") }
        return errors
    }

    /// Local midnight of the first day as wall-clock seconds since 1970.
    var firstMidnight: Int64? {
        let parts = firstDay.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        return Int64(CivilTime.daysFromCivil(year: parts[0], month: parts[1], day: parts[2])) * 86_400
    }
}

/// Realistic PBX traffic with labelled fraud, deterministic per seed: the honest calls of
/// `SimulatedSite`'s people and the scenarios of `FraudScenarioKind`, in start order.
package struct Simulation: Sendable {
    package var settings: SimulationSettings
    package var site: SimulatedSite
    package var calls: [SimulatedCall]
    package var scenarios: [ScenarioLabel]
    /// Numbers of the known-fraud list that goes with the traffic (E.164 with `+`).
    package var fraudList: [String]

    /// Runs the simulator.
    package init(_ settings: SimulationSettings) throws {
        if let problem = settings.validationErrors().first { throw SimulationError(message: problem) }
        let firstMidnight = settings.firstMidnight ?? 0
        var random = SimulationRandom(seed: settings.seed)
        let site = SimulatedSite(accounts: settings.accounts, days: settings.days, random: &random)
        // Independent streams, so adding a scenario does not change the honest traffic of a seed.
        var honest = HonestTraffic(
            site: site, firstMidnight: firstMidnight, days: settings.days,
            random: SimulationRandom(seed: settings.seed &* 0x9e37_79b9 &+ 1))
        var calls = honest.generate()
        var scenarios: [ScenarioLabel] = []
        var fraudList: [String] = []
        if settings.injectFraud {
            var injector = FraudInjector(
                site: site, firstMidnight: firstMidnight, days: settings.days,
                random: SimulationRandom(seed: settings.seed &* 0x85eb_ca6b &+ 2))
            injector.inject()
            calls += injector.calls
            scenarios = injector.labels
            fraudList = injector.fraudList
        }
        calls.sort { ($0.localStart, $0.uuid) < ($1.localStart, $1.uuid) }
        self.settings = settings
        self.site = site
        self.calls = calls
        self.scenarios = scenarios
        self.fraudList = fraudList
    }

    /// The site's time zone (the CDRs are written in its local time).
    package static var timeZone: TimeZone {
        TimeZone(identifier: SimulatedSite.timeZoneIdentifier) ?? .current
    }

    /// Writes the calls as a FreeSWITCH `mod_cdr_csv` file (template `asterisk`, which carries the
    /// context and the gateway a call left by).
    package func writeCDRs(to path: String) throws {
        var output: [UInt8] = []
        output.reserveCapacity(calls.count * 360)
        for call in calls { FreeSWITCHCDRWriter.appendAsteriskTemplateRow(call, to: &output) }
        guard FileManager.default.createFile(atPath: path, contents: Data(output)) else {
            throw SimulationError(message: "\(path): cannot write the CDR file")
        }
    }

    /// The labels file: the settings, the site's honest special cases and every injected scenario.
    package var labels: SimulationLabels {
        SimulationLabels(
            seed: settings.seed, days: settings.days, firstDay: settings.firstDay,
            timeZone: SimulatedSite.timeZoneIdentifier, calls: calls.count,
            callCentre: site.accounts.filter { $0.role == .callCentre }.map(\.id),
            travellers: site.accounts.filter { $0.role == .traveller }.map(\.id), scenarios: scenarios)
    }

    /// Writes `labels` as JSON.
    package func writeLabels(to path: String) throws {
        try PrettyJSON.encode(labels).write(to: URL(fileURLWithPath: path))
    }

    /// Writes the known-fraud list, one number per line with a comment header.
    package func writeFraudList(to path: String) throws {
        let text =
            "# Known fraud numbers that go with the simulated traffic (seed \(settings.seed)).\n"
            + fraudList.joined(separator: "\n") + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

/// The JSON written beside the simulated CDRs.
package struct SimulationLabels: Sendable, Codable {
    package var seed: UInt64
    package var days: Int
    package var firstDay: String
    package var timeZone: String
    package var calls: Int
    package var callCentre: [String]
    package var travellers: [String]
    package var scenarios: [ScenarioLabel]

    enum CodingKeys: String, CodingKey {
        case seed, days, calls, travellers, scenarios
        case firstDay = "first_day"
        case timeZone = "time_zone"
        case callCentre = "call_centre"
    }
}

/// A simulation that cannot run, with the reason.
package struct SimulationError: Error, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}
