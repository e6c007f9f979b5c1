import Foundation

/// One completed call, the common shape every CDR source is turned into.
///
/// Times are UTC. `destination` is the string exactly as dialed; normalization and
/// classification are separate steps. `dedupKey` is the call's identity in the store:
/// the FreeSWITCH uuid, the Asterisk uniqueid plus sequence or row hash, or a row hash.
package struct CallRecord: Sendable, Hashable, Codable {
    package var dedupKey: String
    package var callID: String
    package var account: String
    package var callerNumber: String
    package var callerName: String
    package var destination: String
    package var context: String
    package var sourceIP: String?
    package var trunk: String?
    package var startedAt: Date
    package var answeredAt: Date?
    package var endedAt: Date
    package var duration: Int
    package var billsec: Int
    package var disposition: CallDisposition
    package var hangupCause: String
    package var userAgent: String?

    package init(
        dedupKey: String,
        callID: String,
        account: String,
        callerNumber: String,
        callerName: String = "",
        destination: String,
        context: String = "",
        sourceIP: String? = nil,
        trunk: String? = nil,
        startedAt: Date,
        answeredAt: Date? = nil,
        endedAt: Date,
        duration: Int,
        billsec: Int,
        disposition: CallDisposition,
        hangupCause: String = "",
        userAgent: String? = nil
    ) {
        self.dedupKey = dedupKey
        self.callID = callID
        self.account = account
        self.callerNumber = callerNumber
        self.callerName = callerName
        self.destination = destination
        self.context = context
        self.sourceIP = sourceIP
        self.trunk = trunk
        self.startedAt = startedAt
        self.answeredAt = answeredAt
        self.endedAt = endedAt
        self.duration = duration
        self.billsec = billsec
        self.disposition = disposition
        self.hangupCause = hangupCause
        self.userAgent = userAgent
    }
}
