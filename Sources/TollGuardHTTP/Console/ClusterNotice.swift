import TollGuardCore

extension ConsoleSettings {
    /// What the console of node `node` of a cluster shows, on every page: its own store, not the
    /// cluster's alerts — an analyzer node's store holds no call, and an empty queue there would
    /// read like a quiet night.
    package static func clusterNotice(node: String, role: ClusterRole) -> String {
        let elsewhere =
            "The cluster's alerts, from every switch, are raised by its leading analyzer: see them with "
            + "tollguard alerts, and the leader with tollguard cluster status, on any node."
        switch role {
        case .analyzer:
            return "This console shows node \(node)'s own store, and an analyzer node stores no call: none of "
                + "the cluster's alerts are here. " + elsewhere
        case .edge, .all:
            return "This console shows node \(node)'s own store: the alerts its own live view raised for the "
                + "switches it watches. " + elsewhere
        }
    }
}
