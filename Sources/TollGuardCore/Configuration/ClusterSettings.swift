import Foundation

/// `[cluster]`: this node's place among several sharing one PostgreSQL store (`database.url`).
package struct ClusterSettings: Sendable, Codable, Equatable {
    /// The node's name in the cluster.
    ///
    /// An edge ships its calls under it (`tollguard cluster status` lists it). Empty: the host's
    /// name. Two nodes never share one.
    package var node = ""
    /// The switch a call belongs to when its input names none (a tailed CSV, a CDR post).
    ///
    /// A call is one per switch, whichever edge ships it. Empty: the one live switch's name, else
    /// the node's.
    package var switchName = ""
    /// How often an edge looks for calls to ship besides when its store takes some, in milliseconds.
    package var shipIntervalMilliseconds = 1000

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case node
        case switchName = "switch"
        case shipIntervalMilliseconds = "ship_interval_ms"
    }

    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self, table: "cluster")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ClusterSettings()
        node = try container.decodeIfPresent(String.self, forKey: .node) ?? defaults.node
        switchName = try container.decodeIfPresent(String.self, forKey: .switchName) ?? defaults.switchName
        shipIntervalMilliseconds =
            try container.decodeIfPresent(Int.self, forKey: .shipIntervalMilliseconds)
            ?? defaults.shipIntervalMilliseconds
    }

    package func validationErrors() -> [String] {
        var errors: [String] = []
        if shipIntervalMilliseconds < 10 { errors.append("cluster.ship_interval_ms must be at least 10") }
        for (key, value) in [("node", node), ("switch", switchName)]
        where value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            errors.append("cluster.\(key) holds a control character")
        }
        return errors
    }
}

extension TollGuardConfiguration {
    /// This node's name in the cluster (`cluster.node`, else the host's name).
    package var clusterNodeName: String {
        cluster.node.isEmpty ? ProcessInfo.processInfo.hostName : cluster.node
    }

    /// The switch of calls whose input names none (`cluster.switch`, else the one live switch's
    /// name, else the node's).
    package var clusterSwitchName: String {
        if !cluster.switchName.isEmpty { return cluster.switchName }
        let names = liveSwitchNames
        return names.count == 1 ? names[0] : clusterNodeName
    }
}
