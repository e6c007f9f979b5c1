import Foundation
import TollGuardCore

/// The kinds of fraud the simulator injects.
package enum FraudScenarioKind: String, Sendable, Codable, CaseIterable {
    /// A hacked extension pumps calls to premium and hotspot numbers at night, many at once.
    case irsfBurst = "irsf_burst"
    /// Calls arriving from the carrier in the public context are routed back out abroad.
    case publicContextLeak = "public_context_leak"
    /// A hacked extension calls a number on a known-fraud list, a few times a day.
    case fraudListSlow = "fraud_list_slow"
    /// One-ring calls from a Caribbean number block; staff call them back.
    case wangiriCallback = "wangiri_callback"
    /// Probes of every dial prefix (`9`, `00`, `011`, `+`) to find an open route.
    case routeScan = "route_scan"
    /// One international number called over and over (traffic pumping).
    case targetedPumping = "targeted_pumping"
    /// Mid-priced international calls spread over a day until the quota is gone.
    case quotaExhaustion = "quota_exhaustion"
    /// A new extension, hacked, calls a few high-risk countries an hour all afternoon, under every limit.
    case slowDrip = "slow_drip"

    /// What the scenario is, in a sentence.
    package var summary: String {
        switch self {
        case .irsfBurst: "IRSF burst at night from a hacked extension"
        case .publicContextLeak: "public-context leak through the carrier trunk"
        case .fraudListSlow: "slow calls to a number on the known-fraud list"
        case .wangiriCallback: "Caribbean one-ring calls, called back by staff"
        case .routeScan: "route scanning with 9, 00, 011 and + probes"
        case .targetedPumping: "targeted pumping of one international number"
        case .quotaExhaustion: "quota exhaustion spread over a day"
        case .slowDrip: "slow drip to high-risk countries from a new extension"
        }
    }
}

/// One injected scenario, as written to the labels file: what, who, when, and which calls.
package struct ScenarioLabel: Sendable, Codable, Hashable {
    package var id: String
    package var kind: FraudScenarioKind
    package var description: String
    /// The subjects an alert should name, as `account 1017` / `trunk carrier1`.
    package var subjects: [String]
    /// Local wall-clock times of the first and last call (`2026-11-12 02:14:09`).
    package var start: String
    package var end: String
    /// The scenario's calls, by uuid (the CDRs' call id).
    package var callIDs: [String]

    enum CodingKeys: String, CodingKey {
        case id, kind, description, subjects, start, end
        case callIDs = "call_ids"
    }
}
