import TollGuardCore

extension ConsoleSettings {
    /// What the console of node `node` of a cluster shows, on every page: the cluster's records
    /// (from `store`, a URL without secrets), and what stays the node's own.
    package static func clusterNotice(node: String, store: String) -> String {
        "This console shows the cluster's alerts from every switch, its quotas, suspensions and journal "
            + "(\(store)): the same on every node. The live calls and the SIP attackers are node \(node)'s own."
    }
}
