import Foundation

/// An alert as `alerts list|show --json`, `analyze --json` and the console's API give it: `id`, `rule`, `severity`, `subject_type`, `subject`, `first_seen`, `last_seen`,
/// `summary`, `state`, `metrics`, `calls` (the evidence calls), and more.
package struct AlertJSON: Encodable, Sendable {
    package var id: Int64
    package var rule: String
    package var severity: String
    package var subjectType: String
    package var subject: String
    package var firstSeen: String
    package var lastSeen: String
    package var summary: String
    package var state: String
    package var stateBy: String?
    package var stateComment: String?
    /// Who works it in the review console (omitted when no one).
    package var assignee: String?
    /// What a snoozed alert waits for (omitted when not snoozed).
    package var snoozed: String?
    package var metrics: [String: MetricValue]
    package var callCount: Int
    package var cost: MetricValue
    package var calls: [CallJSON]?
    /// The log lines behind a SIP-watch alert (`alerts show --json`).
    package var logLines: [LogLineJSON]?

    package struct LogLineJSON: Encodable, Sendable {
        package var file: String
        package var line: Int
        package var time: String
        package var text: String

        package init(_ line: EvidenceLogLine) {
            file = line.file
            self.line = line.line
            time = CivilTime.utcText(line.time) + "Z"
            text = line.text
        }
    }

    package struct CallJSON: Encodable, Sendable {
        package var key: String
        package var time: String
        package var account: String?
        package var dialed: String?
        package var number: String
        package var region: String?
        package var `class`: String?
        package var numberType: String?
        package var risk: String?
        package var billsec: Int?
        package var disposition: String?
        package var cost: MetricValue
        /// The live switch that carried the call (absent for calls from files and posts).
        package var switchName: String?

        enum CodingKeys: String, CodingKey {
            case key, time, account, dialed, number, region, `class`, risk, billsec, disposition, cost
            case numberType = "number_type"
            case switchName = "switch"
        }
    }

    package init(
        _ alert: StoredAlert, calls: [AlertCall]?, logLines: [EvidenceLogLine]? = nil, now: Date = Date()
    ) {
        id = alert.id
        rule = alert.rule
        severity = alert.severity.name
        subjectType = alert.subject.kind.rawValue
        subject = alert.subject.value
        firstSeen = CivilTime.utcText(alert.firstSeen) + "Z"
        lastSeen = CivilTime.utcText(alert.lastSeen) + "Z"
        summary = alert.summary
        state = alert.state.rawValue
        stateBy = alert.stateBy
        stateComment = alert.stateComment
        assignee = alert.assignee
        snoozed = alert.isSnoozed(at: now) ? alert.snooze?.description : nil
        metrics = alert.metrics
        callCount = alert.callCount
        cost = .money(alert.costMicros)
        self.calls = calls?.map { call in
            CallJSON(
                key: call.key, time: CivilTime.utcText(call.time) + "Z", account: call.account, dialed: call.dialed,
                number: call.number, region: call.region, class: call.destinationClass, numberType: call.numberType,
                risk: call.risk, billsec: call.billsec, disposition: call.disposition, cost: .money(call.costMicros),
                switchName: call.switchName)
        }
        self.logLines = logLines?.map(LogLineJSON.init)
    }

    enum CodingKeys: String, CodingKey {
        case id, rule, severity, subject, summary, state, metrics, cost, calls, assignee, snoozed
        case subjectType = "subject_type"
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
        case stateBy = "state_by"
        case stateComment = "state_comment"
        case callCount = "call_count"
        case logLines = "log_lines"
    }
}
