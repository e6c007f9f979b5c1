/// What one call costs and how the price was found.
package struct CallPrice: Sendable, Hashable, Codable {
    package var costMicros: Int64 = 0
    /// The rate deck prefix that priced the call; nil when unpriced or free.
    package var ratePrefix: String?
    package var ratePerMinuteMicros: Int64?
    /// No deck entry covered this chargeable destination: priced with the fallback rate.
    package var usedFallback = false

    package init() {}
}

/// A call's destination, classified, and its price: computed once at ingest, stored with the call.
package struct CallDestination: Sendable, Hashable {
    package var classification: NumberClassification
    package var price: CallPrice

    package init(classification: NumberClassification, price: CallPrice) {
        self.classification = classification
        self.price = price
    }
}
