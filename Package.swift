// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "tollguard",
    platforms: [.macOS(.v15)],  // Linux is the target; this only keeps macOS contributors building.
    products: [
        .executable(name: "tollguard", targets: ["TollGuardCLI"]),
        .executable(name: "tollguard-bench", targets: ["TollGuardBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        // The review console: bcrypt for people's passwords, Mustache templates that escape by default.
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        // NIOHTTPTypes: the HTTP parts a Hummingbird channel handler sees (the request deadlines).
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.24.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // The cluster store beyond one box: PostgreSQL (`TollGuardCluster`).
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        // `swift package generate-documentation`: the DocC catalogs in Sources/ (CI builds them).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
    ],
    targets: [
        // MARK: System libraries
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),

        .target(
            name: "CSQLiteTuning",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),

        // MARK: Core library
        .target(
            name: "TollGuardCore",
            dependencies: [
                "CZlib",
                "CSQLiteTuning",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings,
            plugins: ["ReferenceDataPlugin"]
        ),

        // MARK: Hooks: program and webhook delivery from the outbox (the I/O side of suspensions)
        .target(
            name: "TollGuardHooks",
            dependencies: [
                "TollGuardCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Live: the FreeSWITCH event socket (client and replay server) and the serve pipeline
        .target(
            name: "TollGuardLive",
            dependencies: [
                "TollGuardCore",
                "TollGuardHooks",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Demo: the traffic simulator, the event-socket replay server and log generators
        // (product code: `tollguard demo` and `simulate` run them), apart from the core and the live client
        .target(
            name: "TollGuardDemo",
            dependencies: [
                "TollGuardCore",
                "TollGuardHooks",
                "TollGuardLive",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: HTTP: /healthz, /metrics, POST /cdr, /report, the review console and its API
        .target(
            name: "TollGuardHTTP",
            dependencies: [
                "TollGuardCore",
                "TollGuardHooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Console/openapi.json"],
            swiftSettings: swiftSettings
        ),

        // MARK: Server: `serve` assembled (live pipeline, hooks, reload, HTTP) as one ServiceGroup
        .target(
            name: "TollGuardServer",
            dependencies: [
                "TollGuardCore",
                "TollGuardHooks",
                "TollGuardLive",
                "TollGuardHTTP",
                "TollGuardCluster",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Cluster: several nodes on one PostgreSQL (edges ship their calls, one analyzer)
        .target(
            name: "TollGuardCluster",
            dependencies: [
                "TollGuardCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Build-time data embedding
        .executableTarget(name: "ReferenceDataEmbedder"),
        .plugin(
            name: "ReferenceDataPlugin",
            capability: .buildTool(),
            dependencies: ["ReferenceDataEmbedder"],
            path: "Sources/ReferenceDataPlugin"
        ),

        // MARK: Executables
        .executableTarget(
            name: "TollGuardCLI",
            dependencies: [
                "TollGuardCore",
                "TollGuardHooks",
                "TollGuardLive",
                "TollGuardDemo",
                "TollGuardServer",
                "TollGuardCluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "TollGuardBench",
            dependencies: [
                "TollGuardCore",
                "TollGuardHooks",
                "TollGuardHTTP",
                "TollGuardLive",
                "TollGuardDemo",
                "TollGuardCluster",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Test support and tests
        .target(
            name: "TollGuardTestSupport",
            dependencies: ["TollGuardCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TollGuardCoreTests",
            dependencies: ["CZlib", "TollGuardCore", "TollGuardDemo", "TollGuardTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TollGuardClusterTests",
            dependencies: [
                "TollGuardCluster",
                "TollGuardCore",
                "TollGuardDemo",
                "TollGuardHTTP",
                "TollGuardLive",
                "TollGuardServer",
                "TollGuardTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TollGuardHooksTests",
            dependencies: [
                "TollGuardCore", "TollGuardHooks", "TollGuardTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TollGuardLiveTests",
            dependencies: [
                "TollGuardCore", "TollGuardHooks", "TollGuardLive", "TollGuardDemo", "TollGuardTestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TollGuardDemoTests",
            dependencies: [
                "TollGuardCore", "TollGuardDemo", "TollGuardTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TollGuardHTTPTests",
            dependencies: [
                "TollGuardCore", "TollGuardHTTP", "TollGuardHooks", "TollGuardTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TollGuardServerTests",
            dependencies: [
                "TollGuardCore", "TollGuardServer", "TollGuardHTTP", "TollGuardLive", "TollGuardDemo",
                "TollGuardCluster",
                "TollGuardTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TollGuardCLITests",
            dependencies: [
                "TollGuardCLI", "TollGuardCore", "TollGuardHTTP", "TollGuardLive", "TollGuardDemo",
                "TollGuardTestSupport",
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
