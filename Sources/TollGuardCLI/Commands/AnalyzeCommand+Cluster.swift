import ArgumentParser
import Foundation
import TollGuardCluster
import TollGuardCore

extension AnalyzeCommand {
    /// `analyze --cluster`: the cluster's live analysis checked against a replay of its calls.
    func checkCluster(_ configuration: TollGuardConfiguration, zone: TimeZone, from: Date, to: Date) async throws {
        guard let access = try ClusterAccess(configuration, application: "analyze") else {
            throw CommandFailure("--cluster needs database.url: this node is not part of a cluster")
        }
        let database = try global.openDatabase(configuration)
        let countryNames = try global.numberingPlan().countryNames
        let run = AnalysisRun(
            database: database, configuration: configuration, timeZone: zone, countryNames: countryNames)
        let evidenceLimit = configuration.analysis.maxEvidenceCalls
        let outcome = try await access.onPrimary(to: "check its analysis") { store in
            var check = ClusterReplayCheck(store: store) { try run.makeEngine() }
            check.evidenceLimit = evidenceLimit
            check.nodeTimeZone = zone
            do {
                return try await check.run(from: from, to: to)
            } catch let nothing as NothingAnalyzedYet {
                throw CommandFailure(nothing.description)
            } catch let differs as TimeZoneDiffers {
                throw CommandFailure(differs.description)
            }
        }
        let summarizer = global.summarizer(configuration)
        if output.json {
            try printJSON(ClusterCheckAnswer(outcome, summarizer: summarizer))
        } else {
            print(Self.text(outcome, zone: zone, summarizer: summarizer))
        }
        if !outcome.agrees { throw ExitCode(5) }
    }

    static func text(_ outcome: ClusterReplayCheck.Outcome, zone: TimeZone, summarizer: AlertSummarizer) -> String {
        let time = LocalTimeFormatter(timeZone: zone)
        var lines = [
            "checked the cluster's analysis from \(time.minutes(outcome.from)) to \(time.minutes(outcome.to)) "
                + "(\(zone.identifier)): replayed \(Plural.of(outcome.callsReplayed, "call")) as its analyzer took "
                + "them, after \(Plural.of(outcome.callsWarmingUp, "earlier call")) of history",
            "the replay found \(Plural.of(outcome.found.count, "alert")): \(outcome.matched) raised by the cluster's "
                + "analyzer as severe or more, \(outcome.missed.count) missed, \(outcome.underRated.count) at a lower "
                + "severity",
        ]
        if let released = outcome.released {
            if released <= outcome.to {
                lines.append(
                    "note: the cluster's analyzer has played the calls up to \(time.minutes(released)): the check "
                        + "stops there")
            }
        } else {
            lines.append("note: the cluster's analyzer has played no call yet")
        }
        if !outcome.onlyInCluster.isEmpty {
            lines.append(
                "\(Plural.of(outcome.onlyInCluster.count, "alert")) of the cluster's in the period not found by the "
                    + "replay (continued from before it, or from calls the analyzer saw up and never stored)")
        }
        let rows = outcome.missed.map { ($0, "none") } + outcome.underRated.map { ($0.replay, $0.cluster.name) }
        if !rows.isEmpty {
            lines.append("\nfound by the replay, not as severe in the cluster:")
            var table = TextTable("SEVERITY", "CLUSTER", "RULE", "SUBJECT", "FIRST SEEN", "CALLS", "COST")
            for (draft, cluster) in rows {
                table.append([
                    draft.severity.name, cluster, draft.rule.rawValue, "\(draft.subject)",
                    time.minutes(draft.firstSeen), String(draft.callCount), summarizer.money(draft.costMicros),
                ])
            }
            lines.append(table.render())
        }
        return lines.joined(separator: "\n")
    }
}

/// `analyze --cluster --json`.
struct ClusterCheckAnswer: Encodable {
    var from: String
    var to: String
    var released: String?
    var callsReplayed: Int
    var callsHistory: Int
    var findings: Int
    var found: Int
    var matched: Int
    var missed: [Alert]
    var underRated: [Alert]
    var onlyInCluster: Int
    var agrees: Bool

    /// An alert of the replay the cluster lacks or holds at a lower severity.
    struct Alert: Encodable {
        var rule: String
        var severity: String
        var clusterSeverity: String?
        var subjectType: String
        var subject: String
        var window: String?
        var firstSeen: String
        var lastSeen: String
        var summary: String
        var callCount: Int
        var cost: MetricValue

        init(_ draft: AlertDraft, cluster: Severity?, summarizer: AlertSummarizer) {
            rule = draft.rule.rawValue
            severity = draft.severity.name
            clusterSeverity = cluster?.name
            subjectType = draft.subject.kind.rawValue
            subject = draft.subject.value
            window = draft.windowKey
            firstSeen = CivilTime.utcText(draft.firstSeen) + "Z"
            lastSeen = CivilTime.utcText(draft.lastSeen) + "Z"
            summary = summarizer.summary(of: draft)
            callCount = draft.callCount
            cost = .money(draft.costMicros)
        }

        enum CodingKeys: String, CodingKey {
            case rule, severity, subject, window, summary, cost
            case clusterSeverity = "cluster_severity"
            case subjectType = "subject_type"
            case firstSeen = "first_seen"
            case lastSeen = "last_seen"
            case callCount = "call_count"
        }
    }

    init(_ outcome: ClusterReplayCheck.Outcome, summarizer: AlertSummarizer) {
        from = CivilTime.utcText(outcome.from) + "Z"
        to = CivilTime.utcText(outcome.to) + "Z"
        released = outcome.released.map { CivilTime.utcText($0) + "Z" }
        callsReplayed = outcome.callsReplayed
        callsHistory = outcome.callsWarmingUp
        findings = outcome.findings
        found = outcome.found.count
        matched = outcome.matched
        missed = outcome.missed.map { Alert($0, cluster: nil, summarizer: summarizer) }
        underRated = outcome.underRated.map { Alert($0.replay, cluster: $0.cluster, summarizer: summarizer) }
        onlyInCluster = outcome.onlyInCluster.count
        agrees = outcome.agrees
    }

    enum CodingKeys: String, CodingKey {
        case from, to, released, findings, found, matched, missed, agrees
        case callsReplayed = "calls_replayed"
        case callsHistory = "calls_history"
        case underRated = "under_rated"
        case onlyInCluster = "only_in_cluster"
    }
}
