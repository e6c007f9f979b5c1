import Foundation
import GRDB
import TollGuardCore

/// How one injected scenario fared.
package struct ScenarioOutcome: Sendable, Encodable {
    package var id: String
    package var kind: FraudScenarioKind
    package var description: String
    package var calls: Int
    /// An alert at `high` or above carries one of the scenario's calls.
    package var caught: Bool { firstAlertRule != nil }
    package var highestSeverity: Severity?
    /// The rule of the first `high`+ finding, its delay after the scenario's first call, and
    /// how many of the scenario's calls had started by then (the one that tripped it included).
    package var firstAlertRule: String?
    package var secondsToFirstAlert: Double?
    package var callsBeforeAlert: Int?
    /// The stored alerts (any severity) that carry the scenario's calls.
    package var alertIDs: [Int64]

    enum CodingKeys: String, CodingKey {
        case id, kind, description, calls, caught
        case highestSeverity = "highest_severity"
        case firstAlertRule = "first_alert_rule"
        case secondsToFirstAlert = "seconds_to_first_alert"
        case callsBeforeAlert = "calls_before_alert"
        case alertIDs = "alert_ids"
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(description, forKey: .description)
        try container.encode(calls, forKey: .calls)
        try container.encode(caught, forKey: .caught)
        try container.encodeIfPresent(highestSeverity, forKey: .highestSeverity)
        try container.encodeIfPresent(firstAlertRule, forKey: .firstAlertRule)
        try container.encodeIfPresent(secondsToFirstAlert, forKey: .secondsToFirstAlert)
        try container.encodeIfPresent(callsBeforeAlert, forKey: .callsBeforeAlert)
        try container.encode(alertIDs, forKey: .alertIDs)
    }

    init(_ label: ScenarioLabel) {
        id = label.id
        kind = label.kind
        description = label.description
        calls = label.callIDs.count
        alertIDs = []
    }
}

/// Detection quality on one simulated run: per scenario caught or not and how fast, the
/// alerts at `high`+ that carry no injected call (honest accounts cried wolf), precision and recall.
package struct DetectionEvaluation: Sendable {
    package var seed: UInt64
    package var scenarios: [ScenarioOutcome]
    /// Alerts at `high` or above, and those among them that carry an injected call.
    package var highAlerts: Int
    package var truePositiveHighAlerts: Int
    /// `high`+ alerts on honest traffic only.
    package var honestHighAlerts: [StoredAlert]
    /// Warnings and below on honest traffic only (allowed; counted for the record).
    package var honestLowerAlerts: Int

    package var recall: Double {
        scenarios.isEmpty ? 1 : Double(scenarios.filter(\.caught).count) / Double(scenarios.count)
    }
    package var precision: Double {
        highAlerts == 0 ? 1 : Double(truePositiveHighAlerts) / Double(highAlerts)
    }

    /// Evaluates the alerts stored by `run` over `[from, to)` against the injected scenarios.
    ///
    /// Replays the period through a fresh engine for the moment of each first finding (stored
    /// alerts keep the calls, not when the engine decided); precision comes from the stored alerts.
    package static func evaluate(
        seed: UInt64, scenarios labels: [ScenarioLabel], run: AnalysisRun, from: Date, to: Date
    ) throws -> DetectionEvaluation {
        let database = run.database
        var scenarioOfKey: [String: Int] = [:]
        var startsByScenario = Array(repeating: [Date](), count: labels.count)
        let ids = Dictionary(
            labels.enumerated().flatMap { index, label in label.callIDs.map { ($0, index) } },
            uniquingKeysWith: { first, _ in first })
        try database.writer.read { db in
            let calls = try CallIdentity.everyCall.fetchCursor(db)
            while let call = try calls.next() {
                guard let index = ids[call.callID] else { continue }
                scenarioOfKey[call.dedupKey] = index
                startsByScenario[index].append(call.startedAt)
            }
        }
        var outcomes = labels.map(ScenarioOutcome.init)
        var firstFinding = [(time: Date, rule: AnalysisRule)?](repeating: nil, count: labels.count)
        var engine = try run.makeEngine()
        func take(_ findings: [Finding]) {
            for finding in findings where finding.time >= from && finding.time < to {
                for call in finding.calls {
                    guard let index = scenarioOfKey[call.key] else { continue }
                    if finding.severity >= .high, firstFinding[index].map({ finding.time < $0.time }) ?? true {
                        firstFinding[index] = (finding.time, finding.rule)
                    }
                    if outcomes[index].highestSeverity.map({ finding.severity > $0 }) ?? true {
                        outcomes[index].highestSeverity = finding.severity
                    }
                }
            }
        }
        try database.forEachObservedCall(from: from.addingTimeInterval(-engine.reach), to: to) {
            take(engine.replay($0))
        }
        take(engine.finish())
        for index in outcomes.indices {
            guard let first = firstFinding[index], let start = startsByScenario[index].min() else { continue }
            outcomes[index].firstAlertRule = first.rule.rawValue
            outcomes[index].secondsToFirstAlert = first.time.timeIntervalSince(start)
            outcomes[index].callsBeforeAlert = startsByScenario[index].filter { $0 <= first.time }.count
        }

        var evaluation = DetectionEvaluation(
            seed: seed, scenarios: outcomes, highAlerts: 0, truePositiveHighAlerts: 0, honestHighAlerts: [],
            honestLowerAlerts: 0)
        for alert in try database.alerts(AlertFilter(since: from, before: to)) {
            let scenarios = Set(try database.alertCalls(id: alert.id).compactMap { scenarioOfKey[$0.key] })
            for index in scenarios { evaluation.scenarios[index].alertIDs.append(alert.id) }
            if alert.severity >= .high {
                evaluation.highAlerts += 1
                if scenarios.isEmpty {
                    evaluation.honestHighAlerts.append(alert)
                } else {
                    evaluation.truePositiveHighAlerts += 1
                }
            } else if scenarios.isEmpty {
                evaluation.honestLowerAlerts += 1
            }
        }
        return evaluation
    }
}
