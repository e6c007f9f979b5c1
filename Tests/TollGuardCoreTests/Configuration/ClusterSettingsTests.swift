import Foundation
import Testing
import TollGuardCore

/// `database.url` as libpq writes it, and `[cluster]`.
@Suite struct ClusterSettingsTests {
    @Test func aHostListWithPortsAndIPv6() throws {
        let url = try PostgresURL(parsing: "postgres://tg@db1:5433,[2001:db8::7]:6432,db3/fraud?sslmode=require")
        #expect(
            url.hosts == [
                .tcp(host: "db1", port: 5433), .tcp(host: "2001:db8::7", port: 6432), .tcp(host: "db3", port: 5432),
            ])
        #expect(url.user == "tg")
        #expect(url.database == "fraud")
        #expect(url.tls == .require)
        #expect(url.hosts[1].description == "[2001:db8::7]:6432")
    }

    @Test func socketFoldersPairWithTheirPorts() throws {
        let url = try PostgresURL(parsing: "postgresql://tollguard@/tollguard?host=/run/a,/run/b&port=55432,55433")
        #expect(url.hosts == [.socket(path: "/run/a/.s.PGSQL.55432"), .socket(path: "/run/b/.s.PGSQL.55433")])
        #expect(url.tls == .prefer)
        let one = try PostgresURL(parsing: "postgres:///fraud?host=/run/postgresql")
        #expect(one.hosts == [.socket(path: "/run/postgresql/.s.PGSQL.5432")])
        #expect(one.user == "tollguard")
        #expect(one.database == "fraud")
    }

    @Test(arguments: [
        ("postgres://tg:hunter2@db1/x", "PGPASSWORD"),
        ("mysql://db1/x", "does not start with postgres://"),
        ("postgres://tg@db1:99999/x", "does not end in a port number"),
        ("postgres://tg@db1/x?sslmode=verify-ca", "sslmode=verify-ca is not one of disable, prefer, require"),
        ("postgres://tg@db1/x?application_name=y", "application_name is not a setting TollGuard reads"),
        ("postgres://tg@/x", "names no server"),
        ("postgres://tg@db1/x?host=/run/a", "either before the database or in ?host="),
    ])
    func aURLTollGuardCannotUseIsRefusedSayingWhy(text: String, reason: String) {
        #expect {
            try PostgresURL(parsing: text)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test func aPasswordInTheURLIsNeverEchoed() throws {
        let loaded = try ConfigurationLoader.decode("[database]\nurl = \"postgres://tg:hunter2@db1/x\"\n")
        let errors = loaded.configuration.validationErrors(includingDialPlan: false)
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("database.url: ") == true)
        #expect(errors.allSatisfy { !$0.contains("hunter2") })
    }

    @Test func theClusterTableNamesTheNodeAndItsSwitch() throws {
        let loaded = try ConfigurationLoader.decode(
            """
            [database]
            url = "postgres://tollguard@db1,db2/tollguard"
            [cluster]
            node = "edge-berlin"
            ship_interval_ms = 250
            [[ami]]
            name = "ast-berlin"
            """)
        let configuration = loaded.configuration
        #expect(configuration.validationErrors(includingDialPlan: false).isEmpty)
        #expect(configuration.database.postgresURL?.hosts.count == 2)
        #expect(configuration.clusterNodeName == "edge-berlin")
        // No switch named: the one live switch's.
        #expect(configuration.clusterSwitchName == "ast-berlin")
        #expect(configuration.cluster.shipIntervalMilliseconds == 250)
        #expect(try ConfigurationLoader.decode(ConfigurationLoader.dump(configuration)).configuration == configuration)

        #expect(throws: (any Error).self) { try ConfigurationLoader.decode("[cluster]\nnodes = \"x\"\n") }
        let noURL = try ConfigurationLoader.decode("").configuration
        #expect(noURL.database.postgresURL == nil)
        #expect(noURL.clusterSwitchName == noURL.clusterNodeName)
        #expect(noURL.cluster.role == .all && noURL.cluster.leaseSeconds == 10)
    }

    @Test func aNodeHasARoleAndTheAnalyzerLeaseALength() throws {
        let analyzer = try ConfigurationLoader.decode("[cluster]\nrole = \"analyzer\"\nlease_seconds = 3\n")
            .configuration
        #expect(analyzer.cluster.role == .analyzer && analyzer.cluster.leaseSeconds == 3)
        #expect(try ConfigurationLoader.decode(ConfigurationLoader.dump(analyzer)).configuration == analyzer)
        #expect(throws: (any Error).self) { try ConfigurationLoader.decode("[cluster]\nrole = \"leader\"\n") }
        let short = try ConfigurationLoader.decode("[cluster]\nlease_seconds = 1\n").configuration
        #expect(
            short.validationErrors(includingDialPlan: false) == ["cluster.lease_seconds must be between 2 and 3600"])
        let reserved = try ConfigurationLoader.decode("[cluster]\nnode = \"@released\"\n").configuration
        #expect(reserved.validationErrors(includingDialPlan: false).contains { $0.hasPrefix("cluster.node must not") })
    }
}
