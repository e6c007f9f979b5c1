import ArgumentParser
import Foundation
import Logging
import TollGuardCluster
import TollGuardCore

/// `tollguard cluster`: the nodes that share one PostgreSQL store (`database.url`).
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "See the nodes that share the PostgreSQL store named by database.url.",
        subcommands: [ClusterStatusCommand.self])
}

/// `tollguard cluster status`: the primary reached, and how far each edge has shipped.
struct ClusterStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the PostgreSQL primary reached and each edge: its switch, last call shipped, and when.",
        discussion: """
            The servers of database.url are asked in turn; the first that is not a standby answers. \
            The password comes from PGPASSWORD. When this node's own store is found, the calls it \
            holds that the cluster store does not yet are shown too.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let configuration = try global.loadConfiguration().configuration
        guard let cluster = try ClusterAccess(configuration, application: "cluster status") else {
            throw CommandFailure(
                "database.url is not set: this node runs alone on its SQLite store, in no cluster. "
                    + "Set [database] url = \"postgres://USER@HOST:PORT/DATABASE\" to join one.")
        }
        let (url, node) = (cluster.url, configuration.clusterNodeName)
        let status: ClusterStatus
        do {
            status = try await ClusterStatus.read(cluster.connector)
        } catch {
            throw CommandFailure("cannot read the cluster store at \(url): \(ReadableError(error))")
        }
        // This node's journal, when its store is here: what it holds that the cluster does not.
        let journaled = try? await global.openExistingDatabase(configuration)?.lastCallSequence()
        let held = status.edges.first { $0.node == node }?.lastCall ?? 0
        if output.json {
            struct Answer: Encodable {
                var status: ClusterStatus
                var node: String
                var unshipped: Int64?
            }
            try printJSON(Answer(status: status, node: node, unshipped: journaled.map { max(0, $0 - held) }))
            return
        }
        print("cluster store: primary \(status.primary) (PostgreSQL \(status.serverVersion)) of \(url)")
        if status.edges.isEmpty {
            print("no edge has shipped calls to it yet")
        } else {
            var table = TextTable("EDGE", "SWITCH", "LAST CALL", "LAST SHIPMENT", "CALLS IN UP TO")
            for edge in status.edges {
                let age = edge.secondsSinceShipment.map { Self.age(seconds: $0) } ?? "never"
                let promise = edge.watermark.map { Self.utc($0) } ?? "no promise (files, posts)"
                table.append([edge.node, edge.switchName, String(edge.lastCall), age, promise])
            }
            print(table.render())
        }
        print(
            status.analyzer.map { "analyzer lease: \($0) (epoch \(status.analyzerEpoch ?? 0))" }
                ?? "analyzer lease: held by no node")
        let zone = global.siteTimeZone(configuration).identifier
        if let analyzerZone = status.analyzerTimeZone {
            print(
                analyzerZone == zone
                    ? "days counted in \(analyzerZone), as on this node"
                    : "warning: the analyzer counts days in \(analyzerZone), this node in \(zone) ([site] timezone): "
                        + "its quotas, reports and checks of days differ from the analyzer's; give every node the same")
        }
        print(
            "analyzed: every call that started before \(status.analyzedThrough.map { Self.utc($0) } ?? "(nothing yet)"); "
                + "\(status.alerts) alerts")
        if !status.hookDeliveries.isEmpty {
            let counts = status.hookDeliveries.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            print("hook deliveries of the analyzer's events: " + counts.joined(separator: ", "))
        }
        if !status.suspended.isEmpty {
            print(
                TextTable.printable(
                    "suspended by the analyzer (enforced by the edges): " + status.suspended.joined(separator: ", ")))
        }
        let deck = status.rateDeck.map { "\($0.entries) rates from \($0.source) (imported \($0.imported) UTC)" }
        print(
            TextTable.printable(
                "set for every node: \(status.quotas) account quotas; fraud lists: "
                    + (status.lists.isEmpty ? "none" : status.lists.joined(separator: ", ")) + "; rate deck: "
                    + (deck ?? "none")))
        if let journaled {
            print("this node (\(node)): \(max(0, journaled - held)) calls in its store not yet in the cluster store")
        }
    }

    /// `2026-12-03 10:15:02 UTC`.
    static func utc(_ date: Date) -> String {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return format.string(from: date)
    }

    static func age(seconds: Double) -> String {
        switch seconds {
        case ..<120: "\(Int(seconds.rounded())) s ago"
        case ..<7_200: "\(Int((seconds / 60).rounded())) min ago"
        default: "\(Int((seconds / 3_600).rounded())) h ago"
        }
    }
}
