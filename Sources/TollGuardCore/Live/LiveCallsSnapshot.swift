import Foundation

/// The calls up at one moment, as the live pipeline last published them (`serve`'s console
/// reads it; nothing waits on the pipeline for it).
package struct LiveCallsSnapshot: Sendable, Hashable {
    /// One call up.
    package struct Call: Sendable, Hashable, Encodable {
        package var uuid: String
        package var account: String
        package var callerNumber: String
        package var number: String
        package var region: String?
        package var sourceIP: String?
        package var startedAt: Date
        package var answeredAt: Date?
        package var ratePerMinuteMicros: Int64
        /// What it has cost so far, at the snapshot's time.
        package var runningCostMicros: Int64
        /// The switch that carries it.
        package var switchName: String?

        package init(
            uuid: String, account: String, callerNumber: String, number: String, region: String?, sourceIP: String?,
            startedAt: Date, answeredAt: Date?, ratePerMinuteMicros: Int64, runningCostMicros: Int64,
            switchName: String? = nil
        ) {
            self.switchName = switchName
            self.uuid = uuid
            self.account = account
            self.callerNumber = callerNumber
            self.number = number
            self.region = region
            self.sourceIP = sourceIP
            self.startedAt = startedAt
            self.answeredAt = answeredAt
            self.ratePerMinuteMicros = ratePerMinuteMicros
            self.runningCostMicros = runningCostMicros
        }

        enum CodingKeys: String, CodingKey {
            case uuid, account, number, region
            case callerNumber = "caller_number"
            case sourceIP = "source_ip"
            case startedAt = "started_at"
            case answeredAt = "answered_at"
            case ratePerMinuteMicros = "rate_per_minute_micros"
            case runningCostMicros = "running_cost_micros"
            case switchName = "switch"
        }
    }

    /// The switch's time of the snapshot (its last event, or the wall clock when none came).
    package var at: Date
    package var calls: [Call]

    /// `calls` at `at`, the most expensive first.
    package init(at: Date, calls: [Call]) {
        self.at = at
        self.calls = calls.sorted { ($0.runningCostMicros, $1.uuid) > ($1.runningCostMicros, $0.uuid) }
    }

    /// The calls of `monitor` at `time`, the most expensive first.
    package init(_ monitor: LiveMonitor, at time: Date) {
        let calls = monitor.calls.values.map { entry in
            Call(
                uuid: entry.live.uuid, account: entry.live.account, callerNumber: entry.live.callerNumber,
                number: entry.observed.number, region: entry.observed.region, sourceIP: entry.live.sourceIP,
                startedAt: entry.live.startedAt, answeredAt: entry.observed.answeredAt,
                ratePerMinuteMicros: entry.observed.ratePerMinuteMicros,
                runningCostMicros: entry.runningCostMicros(at: time), switchName: entry.live.switchName)
        }
        self.init(at: time, calls: calls)
    }

    /// The calls by account, the accounts with the most running cost first.
    package var byAccount: [(account: String, calls: [Call], runningCostMicros: Int64)] {
        Dictionary(grouping: calls, by: \.account).map { account, calls in
            (account, calls, calls.reduce(0) { $0 + $1.runningCostMicros })
        }
        .sorted {
            ($0.runningCostMicros, $0.calls.count, $1.account) > ($1.runningCostMicros, $1.calls.count, $0.account)
        }
    }
}
