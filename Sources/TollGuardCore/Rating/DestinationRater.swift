import Foundation

/// Classifies and prices calls: the site dial plan (or a context's own), the rate deck and
/// the fallback rate for chargeable destinations the deck does not cover.
package struct DestinationRater: Sendable {
    package let classifier: NumberClassifier
    package let contextClassifiers: [String: NumberClassifier]
    package let deck: RateDeck
    /// Per-minute price of international destinations missing from the deck (60/60 billing).
    package let fallbackRatePerMinuteMicros: Int64

    package init(
        classifier: NumberClassifier, contextClassifiers: [String: NumberClassifier] = [:], deck: RateDeck = .empty,
        fallbackRatePerMinuteMicros: Int64 = 0
    ) {
        self.classifier = classifier
        self.contextClassifiers = contextClassifiers
        self.deck = deck
        self.fallbackRatePerMinuteMicros = fallbackRatePerMinuteMicros
    }

    /// The classifier for a dial-plan context (the site's when the context has no override).
    package func classifier(forContext context: String) -> NumberClassifier {
        contextClassifiers.isEmpty ? classifier : (contextClassifiers[context] ?? classifier)
    }

    /// Classifies and prices one call.
    package func rate(_ call: CallRecord) -> CallDestination {
        rate(destination: call.destination, context: call.context, billsec: call.billsec, startedAt: call.startedAt)
    }

    /// Classifies and prices a call given by its dialled destination, context, talk time and start.
    package func rate(destination: String, context: String, billsec: Int, startedAt: Date) -> CallDestination {
        // Called on the stored classifier, not on a copy returned by `classifier(forContext:)`:
        // copying it retains and releases each of its tables, per call.
        var classification =
            contextClassifiers.isEmpty
            ? classifier.classify(destination) : (contextClassifiers[context] ?? classifier).classify(destination)
        let price = price(classification, billsec: billsec, startedAt: startedAt)
        if price.usedFallback { classification.risk.insert(.unpriced) }
        return CallDestination(classification: classification, price: price)
    }

    /// The price of `billsec` answered seconds to a classified destination.
    ///
    /// Numbers with an E.164 form are looked up in the deck by longest prefix; international
    /// ones (including other regions of the home calling code) the deck misses take the
    /// fallback rate and are flagged. Internal, emergency, short-code and invalid calls cost nothing here.
    package func price(_ classification: NumberClassification, billsec: Int, startedAt: Date) -> CallPrice {
        var price = CallPrice()
        guard let digits = classification.e164Digits else { return price }
        if let entry = deck.rate(for: digits, at: startedAt) {
            price.ratePrefix = entry.prefix
            price.ratePerMinuteMicros = entry.ratePerMinuteMicros
            price.costMicros = entry.cost(billsec: billsec)
        } else if classification.scope == .international || classification.scope == .sameCodeOtherRegion {
            price.usedFallback = true
            price.ratePerMinuteMicros = fallbackRatePerMinuteMicros
            let fallback = RateDeck.Entry(
                prefix: "", destination: "fallback", ratePerMinuteMicros: fallbackRatePerMinuteMicros)
            price.costMicros = fallback.cost(billsec: billsec)
        }
        return price
    }
}
