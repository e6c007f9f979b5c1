import Foundation

/// A call in progress, as the switch's live events show it before any CDR exists.
package struct LiveCall: Sendable, Hashable, Codable {
    /// The call's id on its switch: FreeSWITCH's channel uuid, Asterisk's originating Uniqueid.
    package var uuid: String
    package var account: String
    package var callerNumber: String
    package var callerName: String
    package var destination: String
    package var context: String
    package var sourceIP: String?
    package var trunk: String?
    package var startedAt: Date
    package var answeredAt: Date?
    package var userAgent: String?
    /// The switch that carries the call (its source's `name`); nil for a site's only switch.
    package var switchName: String?
    /// The channel to hang up on the switch (Asterisk's channel name); nil where the uuid is it.
    package var channel: String?

    package init(
        uuid: String, account: String, callerNumber: String, callerName: String = "", destination: String,
        context: String = "", sourceIP: String? = nil, trunk: String? = nil, startedAt: Date, answeredAt: Date? = nil,
        userAgent: String? = nil, switchName: String? = nil, channel: String? = nil
    ) {
        self.uuid = uuid
        self.account = account
        self.callerNumber = callerNumber
        self.callerName = callerName
        self.destination = destination
        self.context = context
        self.sourceIP = sourceIP
        self.trunk = trunk
        self.startedAt = startedAt
        self.answeredAt = answeredAt
        self.userAgent = userAgent
        self.switchName = switchName
        self.channel = channel
    }

    /// The completed call record, keyed by the uuid as the CSV path keys it.
    package func record(endedAt: Date, billsec: Int, hangupCause: String) -> CallRecord {
        let answered = answeredAt != nil || billsec > 0
        return CallRecord(
            dedupKey: uuid, callID: uuid, account: account, callerNumber: callerNumber, callerName: callerName,
            destination: destination, context: context, sourceIP: sourceIP, trunk: trunk, startedAt: startedAt,
            answeredAt: answeredAt, endedAt: endedAt, duration: Int(endedAt.timeIntervalSince(startedAt)),
            billsec: billsec, disposition: CallDisposition(freeswitchCause: hangupCause, answered: answered),
            hangupCause: hangupCause, userAgent: userAgent)
    }
}
