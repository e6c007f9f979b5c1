import TollGuardCore

/// One call the simulator made up, in the shape of a FreeSWITCH CDR: local wall-clock times
/// (as `mod_cdr_csv` writes them), the dialled string, and the scenario it belongs to.
package struct SimulatedCall: Sendable {
    package var uuid: String
    /// `accountcode`: empty on inbound calls, as FreeSWITCH leaves it.
    package var account: String
    package var callerNumber: String
    package var callerName: String
    package var destination: String
    package var context: String
    /// `channel_name`: `sofia/internal/1001@pbx.example.com`, `sofia/external/+1876…@198.51.100.7`.
    package var channel: String
    /// `last_arg` of the bridge: `sofia/gateway/carrier1/011…` or `user/1002@pbx.example.com`.
    package var bridgeTarget: String
    /// Seconds since 1970 of the site's local wall clock.
    package var localStart: Int64
    package var ringSeconds: Int
    /// Zero when the call was not answered.
    package var talkSeconds: Int
    package var hangupCause: String
    /// The injected scenario this call belongs to; nil for honest traffic.
    package var scenario: String?

    package var isAnswered: Bool { talkSeconds > 0 }
    package var localAnswer: Int64? { isAnswered ? localStart + Int64(ringSeconds) : nil }
    package var localEnd: Int64 { localStart + Int64(ringSeconds + talkSeconds) }
}
