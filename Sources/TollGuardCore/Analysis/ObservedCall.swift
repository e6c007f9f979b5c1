import Foundation

/// A call as the analyzers see it: who placed it, where it went (classified and priced at
/// ingest), and when.
///
/// Replayed from the store or built from live events.
package struct ObservedCall: Sendable, Hashable, Codable {
    /// The row id in `calls`, when the call is stored.
    package var rowID: Int64?
    /// The dedup key: the call's identity across CSV, event socket and HTTP inputs.
    package var key: String
    package var account: String
    /// The calling number as the CDR gives it (an external caller's number on inbound calls).
    package var callerNumber: String
    package var sourceIP: String?
    package var trunk: String?
    package var context: String
    /// The destination as dialled.
    package var dialed: String
    package var scope: CallScope
    package var e164: String?
    package var region: String?
    package var numberType: NumberType?
    package var risk: RiskFlags
    /// The IRSF hotspot prefix the destination is in.
    package var hotspot: String?
    package var ratePerMinuteMicros: Int64
    package var costMicros: Int64
    package var startedAt: Date
    package var answeredAt: Date?
    package var endedAt: Date?
    package var billsec: Int
    package var disposition: CallDisposition
    /// The live switch that carries it; nil for calls read from files, posts and the store.
    package var switchName: String?
    /// Derived from scope, type and risk.
    package private(set) var destinationClass: DestinationClass
    /// The dialled string without the separators people and phones put in: `0 0171 234-56` → `0017123456`.
    package private(set) var dialString: String

    package init(
        rowID: Int64? = nil, key: String, account: String, callerNumber: String = "", sourceIP: String? = nil,
        trunk: String? = nil, context: String = "default", dialed: String, scope: CallScope, e164: String? = nil,
        region: String? = nil,
        numberType: NumberType? = nil, risk: RiskFlags = [], hotspot: String? = nil, ratePerMinuteMicros: Int64 = 0,
        costMicros: Int64 = 0, startedAt: Date, answeredAt: Date? = nil, endedAt: Date? = nil, billsec: Int = 0,
        disposition: CallDisposition
    ) {
        self.rowID = rowID
        self.key = key
        self.account = account
        self.callerNumber = callerNumber
        self.sourceIP = sourceIP
        self.trunk = trunk
        self.context = context
        self.dialed = dialed
        self.scope = scope
        self.e164 = e164
        self.region = region
        self.numberType = numberType
        self.risk = risk
        self.hotspot = hotspot
        self.ratePerMinuteMicros = ratePerMinuteMicros
        self.costMicros = costMicros
        self.startedAt = startedAt
        self.answeredAt = answeredAt
        self.endedAt = endedAt
        self.billsec = billsec
        self.disposition = disposition
        destinationClass = DestinationClass(scope: scope, numberType: numberType, risk: risk)
        dialString =
            dialed.utf8.contains(where: {
                $0 == 0x20 || $0 == 0x2D || $0 == 0x2E || $0 == 0x28 || $0 == 0x29 || $0 == 0x2F
            })
            ? String(dialed.unicodeScalars.filter { !" -.()/".unicodeScalars.contains($0) }) : dialed
    }

    /// A completed call record with its classification and price.
    package init(_ record: CallRecord, destination: CallDestination, rowID: Int64? = nil) {
        let classification = destination.classification
        self.init(
            rowID: rowID, key: record.dedupKey, account: record.account, callerNumber: record.callerNumber,
            sourceIP: record.sourceIP,
            trunk: record.trunk, context: record.context, dialed: record.destination, scope: classification.scope,
            e164: classification.e164, region: classification.region, numberType: classification.numberType,
            risk: classification.risk, hotspot: classification.hotspot?.prefix,
            ratePerMinuteMicros: destination.price.ratePerMinuteMicros ?? 0, costMicros: destination.price.costMicros,
            startedAt: record.startedAt, answeredAt: record.answeredAt, endedAt: record.endedAt,
            billsec: record.billsec, disposition: record.disposition)
    }

    /// The number as called: E.164 when known, else the dialled string.
    package var number: String { e164 ?? dialed }

    package var isAnswered: Bool { answeredAt != nil || disposition == .answered }

    /// What an alert keeps of this call as evidence.
    package var evidence: EvidenceCall {
        EvidenceCall(
            key: key, rowID: rowID, time: startedAt, number: number, region: region, costMicros: costMicros,
            switchName: switchName, costKnown: endedAt != nil)
    }
}
