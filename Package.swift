// swift-tools-version:6.2
import PackageDescription

// One module per concern; dependencies point one way (see docs/architecture.md):
// RemitProtocol, RemitDomain  <-  RemitLedger  <-  RemitPayout  <-  RemitGateway
// RemitClient depends on RemitProtocol only. Executables stay thin.
let package = Package(
    name: "remit-gateway",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "remitd", targets: ["remitd"]),
        .executable(name: "remitctl", targets: ["remitctl"]),
        .executable(name: "remit-loadgen", targets: ["remit-loadgen"]),
        .library(name: "RemitProtocol", targets: ["RemitProtocol"]),
        .library(name: "RemitClient", targets: ["RemitClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .target(
            name: "RemitProtocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(name: "RemitDomain"),
        // Readers of files that come from outside (the configuration's TOML, sanctions lists,
        // partners' status reports): pure parsers with limits, no I/O, fuzzed by RemitFuzz.
        .target(name: "RemitFormats", dependencies: ["RemitDomain"]),
        // remitd's configuration file read into typed settings: checked key by key, no I/O but
        // the secrets' files. Apart from RemitGateway so that it is fuzzed without NIO's stack.
        .target(name: "RemitConfiguration", dependencies: ["RemitDomain", "RemitFormats", "RemitProtocol"]),
        // Partner statements against the ledger's payouts: matching, breaks, reports. Pure but
        // for what the ledger hands it; remitctl reconcile reads, matches and asks the daemon.
        .target(name: "RemitReconciliation", dependencies: ["RemitDomain", "RemitFormats", "RemitLedger"]),
        // One C function: sqlite3_config is variadic, which Swift cannot call.
        .target(name: "SQLiteStartup", linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(
            name: "RemitLedger",
            dependencies: [
                "RemitDomain", "SQLiteStartup",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "RemitPayout",
            dependencies: [
                "RemitDomain", "RemitLedger", "RemitFormats",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "RemitGateway",
            dependencies: [
                "RemitProtocol", "RemitDomain", "RemitFormats", "RemitConfiguration", "RemitLedger", "RemitPayout",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "RemitClient",
            dependencies: [
                "RemitProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .executableTarget(
            name: "remitd",
            dependencies: [
                "RemitGateway", "RemitLedger",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "remitctl",
            dependencies: [
                "RemitClient", "RemitProtocol", "RemitLedger", "RemitDomain", "RemitGateway", "RemitFormats",
                "RemitReconciliation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "remit-loadgen",
            dependencies: [
                "RemitClient", "RemitGateway", "RemitLedger", "RemitDomain", "RemitProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // ns per message for the codec; see BENCHMARKS.md for the command and the numbers.
        .executableTarget(
            name: "CodecBenchmark",
            dependencies: ["RemitProtocol", .product(name: "NIOCore", package: "swift-nio")],
            path: "Benchmarks/CodecBenchmark"
        ),
        // ns per screened name against sanctions lists of growing size.
        .executableTarget(
            name: "ScreeningBenchmark",
            dependencies: ["RemitDomain"],
            path: "Benchmarks/ScreeningBenchmark"
        ),
        // Accept-transfer throughput of the ledger against raw SQLite writing the same rows.
        .executableTarget(
            name: "LedgerBenchmark",
            dependencies: [
                "RemitLedger", "RemitDomain",
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/LedgerBenchmark"
        ),
        // The ledger and statement that Benchmarks/reconcile.sh reconciles (see BENCHMARKS.md).
        .executableTarget(
            name: "ReconcileBenchmark",
            dependencies: ["RemitLedger", "RemitDomain"],
            path: "Benchmarks/ReconcileBenchmark"
        ),
        // libFuzzer entry for the frame and message decoders. Built normally it replays a
        // corpus; built by Fuzz/run.sh with -sanitize=fuzzer it is the fuzzer.
        .executableTarget(name: "RemitFuzz", dependencies: ["RemitProtocol", "RemitDomain", "RemitFormats", "RemitConfiguration"]),
        .testTarget(
            name: "RemitProtocolTests",
            dependencies: ["RemitProtocol"]
        ),
        .testTarget(
            name: "RemitClientTests",
            dependencies: [
                "RemitClient", "RemitProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(name: "RemitDomainTests", dependencies: ["RemitDomain"]),
        .testTarget(name: "RemitFormatsTests", dependencies: ["RemitFormats", "RemitDomain"]),
        .testTarget(name: "RemitLedgerTests",
                    dependencies: ["RemitLedger", "RemitDomain", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "RemitReconciliationTests",
                    dependencies: ["RemitReconciliation", "RemitLedger", "RemitFormats", "RemitDomain"]),
        .testTarget(
            name: "RemitPayoutTests",
            dependencies: ["RemitPayout", "RemitLedger", "RemitDomain", "RemitFormats", "PartnerServers",
                           .product(name: "Logging", package: "swift-log")]
        ),
        // Partners' HTTP APIs as real servers on loopback, for the adapters' tests and the
        // daemon's: a GSMA mobile-money API and an MFI core-banking API that can be told to fail,
        // stall, answer late or answer twice.
        .target(
            name: "PartnerServers",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/PartnerServers"
        ),
        // A child process for the ledger's crash test: writes batches until it is killed.
        .executableTarget(
            name: "ledger-crash-child",
            dependencies: ["RemitLedger", "RemitDomain"],
            path: "Tests/LedgerCrashChild"
        ),
        .testTarget(
            name: "RemitGatewayTests",
            dependencies: [
                "RemitGateway", "RemitFormats", "RemitDomain", "RemitLedger", "RemitProtocol", "RemitPayout",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        // The real remitd binary, started by the tests, driven by the client and by openssl.
        .testTarget(
            name: "RemitdTests",
            dependencies: [
                "RemitClient", "RemitProtocol", "RemitGateway", "RemitLedger", "RemitReconciliation", "PartnerServers",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Runs the built executables as a user would.
        .testTarget(name: "RemitCtlTests", dependencies: ["RemitLedger", "RemitDomain"]),
    ],
    swiftLanguageModes: [.v6]
)
