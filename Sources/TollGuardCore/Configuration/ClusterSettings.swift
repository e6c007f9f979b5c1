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
    /// How late a switch's event may reach an edge after the time it carries, in milliseconds.
    ///
    /// An edge's promise to the analyzer stays this far behind its switch's clock (an event
    /// later than that is analyzed at once, counted late): the floor of a cross-switch alert's delay.
    package var eventLatenessMilliseconds = 1000
    /// How long the analyzer pauses between two steps that found nothing more to read, in milliseconds.
    package var analyzeIntervalMilliseconds = 200
    /// What the node does in the cluster (`serve --role` overrides it).
    package var role = ClusterRole.all
    /// How long the analyzer lease runs after each renewal: a standby takes over at most this
    /// long after the leader stopped.
    package var leaseSeconds = 10
    /// How many days of calls the cluster store keeps; 0 keeps them all.
    ///
    /// The leading analyzer drops each older day's partition (never one the engine's reach back
    /// still needs), once an hour.
    package var keepDays = 0
    /// How often the leading analyzer writes a snapshot of its engine, in seconds; 0: never.
    ///
    /// A node taking the lease over starts from the last one and replays only the calls since
    /// (without one, every call of the engine's reach: four weeks by default).
    package var snapshotSeconds = 300

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case node
        case switchName = "switch"
        case shipIntervalMilliseconds = "ship_interval_ms"
        case eventLatenessMilliseconds = "event_lateness_ms"
        case analyzeIntervalMilliseconds = "analyze_interval_ms"
        case role
        case leaseSeconds = "lease_seconds"
        case keepDays = "keep_days"
        case snapshotSeconds = "snapshot_seconds"
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
        eventLatenessMilliseconds =
            try container.decodeIfPresent(Int.self, forKey: .eventLatenessMilliseconds)
            ?? defaults.eventLatenessMilliseconds
        analyzeIntervalMilliseconds =
            try container.decodeIfPresent(Int.self, forKey: .analyzeIntervalMilliseconds)
            ?? defaults.analyzeIntervalMilliseconds
        if let text = try container.decodeIfPresent(String.self, forKey: .role) {
            guard let role = ClusterRole(rawValue: text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .role, in: container,
                    debugDescription: "cluster.role \"\(text)\" is none of edge, analyzer, all")
            }
            self.role = role
        }
        leaseSeconds = try container.decodeIfPresent(Int.self, forKey: .leaseSeconds) ?? defaults.leaseSeconds
        keepDays = try container.decodeIfPresent(Int.self, forKey: .keepDays) ?? defaults.keepDays
        snapshotSeconds =
            try container.decodeIfPresent(Int.self, forKey: .snapshotSeconds) ?? defaults.snapshotSeconds
    }

    package func validationErrors() -> [String] {
        var errors: [String] = []
        if shipIntervalMilliseconds < 10 { errors.append("cluster.ship_interval_ms must be at least 10") }
        if !(0...600_000).contains(eventLatenessMilliseconds) {
            errors.append("cluster.event_lateness_ms must be between 0 and 600000")
        }
        if analyzeIntervalMilliseconds < 10 { errors.append("cluster.analyze_interval_ms must be at least 10") }
        if !(2...3600).contains(leaseSeconds) { errors.append("cluster.lease_seconds must be between 2 and 3600") }
        if keepDays < 0 { errors.append("cluster.keep_days must be 0 (keep every day) or more") }
        if snapshotSeconds < 0 { errors.append("cluster.snapshot_seconds must be 0 (never) or more") }
        if node.hasPrefix("@") { errors.append("cluster.node must not begin with @ (the analyzer's own keys do)") }
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

/// What a node of a cluster does.
package enum ClusterRole: String, Sendable, Codable, CaseIterable {
    /// Watches its switches, stores and ships their calls, carries out kill commands for them.
    case edge
    /// Stands by for the analyzer lease and analyzes the cluster's calls while it holds it.
    case analyzer
    /// Both (alone, without `database.url`: today's single box).
    case all
}
