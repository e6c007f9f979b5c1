import Foundation

/// What an alert keeps of one call behind it.
package struct EvidenceCall: Sendable, Hashable {
    /// The call's dedup key.
    package var key: String
    /// Its row in `calls`, when stored.
    package var rowID: Int64?
    package var time: Date
    /// E.164 when known, else the dialled string.
    package var number: String
    package var region: String?
    package var costMicros: Int64
    /// The live switch that carried it, when it came from one.
    package var switchName: String?
    /// Whether `costMicros` is the call's cost; false while the call was up (it counts nothing
    /// until its end tells it, ``AlertDraft/settle(_:costMicros:)``).
    package var costKnown: Bool

    package init(
        key: String, rowID: Int64?, time: Date, number: String, region: String?, costMicros: Int64,
        switchName: String? = nil, costKnown: Bool = true
    ) {
        self.costKnown = costKnown
        self.key = key
        self.rowID = rowID
        self.time = time
        self.number = number
        self.region = region
        self.costMicros = costMicros
        self.switchName = switchName
    }
}
