// swift-tools-version: 6.0
import PackageDescription

/// The modules every handshake of `staple serve` runs through (the front, the TLS session, the status
/// callback): in release builds without the runtime's exclusivity checks, which cost
/// `swift_beginAccess`, a thread-local lookup and `swift_endAccess` on every access to a class's stored
/// property there (docs/perf-handshake.md, session 6). The compiler's static checks stay on, and debug
/// builds, which the tests use, keep the dynamic ones.
let handshakePathSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
]

let package = Package(
    name: "Staple",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "staple", targets: ["StapleCLI"]),
        .executable(name: "staple-bench", targets: ["VerifyBenchmark"]),
        .library(name: "OCSPCore", targets: ["OCSPCore"]),
        .library(name: "OCSPReporting", targets: ["OCSPReporting"]),
        // For the libFuzzer package in Fuzz/ only (it depends on this package by path).
        .library(name: "FuzzChecks", targets: ["FuzzChecks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // HTTP fetch of OCSP responses (async-http-client): GET/POST, size cap, deadlines, proxies.
        .target(
            name: "OCSPFetching",
            dependencies: [
                "OCSPCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The staple engine: refresh policy (pure), staple store (disk), refresher (a Service).
        .target(
            name: "Stapling",
            dependencies: [
                "OCSPCore",
                "OCSPFetching",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The one test kit of every test target and benchmark: the test PKI, the process runner,
        // waiting for listeners, `openssl ocsp` responders, a scriptable HTTP server, TLS test peers.
        // Not a product.
        .target(
            name: "StapleTestSupport",
            dependencies: [
                "OCSPCore", "TLSStapling", "LoopbackServers",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/StapleTestSupport"
        ),
        .testTarget(
            name: "OCSPFetchingTests",
            dependencies: [
                "OCSPFetching",
                "StapleTestSupport",
                "OCSPCore",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "StaplingTests",
            dependencies: [
                "Stapling",
                "StapleTestSupport",
                "OCSPFetching",
                "OCSPCore",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // `swift run -c release EngineBenchmark`: the refresher managing many certificates.
        .executableTarget(
            name: "EngineBenchmark",
            dependencies: [
                "Stapling", "OCSPFetching", "OCSPCore", "StapleTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Benchmarks/engine"
        ),
        // `swift run -c release RunServiceBenchmark [sites] [seconds]`: staple run's service with 1,000 sites.
        .executableTarget(
            name: "RunServiceBenchmark",
            dependencies: [
                "StapleRun", "Stapling", "OCSPCore", "StapleTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Benchmarks/run-service"
        ),
        // `swift run -c release FleetMappingBenchmark [certificates...]`: the fleet listener's key-to-ids lookup.
        .executableTarget(
            name: "FleetMappingBenchmark",
            dependencies: [
                "StapleFleet", "Stapling", "OCSPCore", "StapleTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/fleet-mapping"
        ),
        // OpenSSL-backed SwiftNIO TLS handler (server and client) and the StapleProvider protocol.
        .target(
            name: "TLSStapling",
            dependencies: [
                "COpenSSL", "OCSPCore", "StapleFiles",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: handshakePathSettings
        ),
        .testTarget(
            name: "TLSStaplingTests",
            dependencies: [
                "TLSStapling", "OCSPCore", "StapleTestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .target(
            // One SO_REUSEPORT listener per event loop, shared by `staple serve` and `staple respond`.
            name: "Listening",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // `staple serve`: TLS termination that staples, proxying to a backend.
        // epoll, eventfd and accept4 for staple serve's handshake front (Linux; one-line wrappers).
        .target(name: "CLinuxEvents", path: "Sources/CLinuxEvents"),
        .target(
            name: "StaplingProxy",
            dependencies: [
                "TLSStapling", "Stapling", "OCSPCore", "OCSPFetching", "StapleFiles", "CLinuxEvents",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: handshakePathSettings
        ),
        .testTarget(
            name: "StaplingProxyTests",
            dependencies: [
                "StaplingProxy", "TLSStapling", "OCSPCore", "StapleTestSupport", "StapleCLI", "Stapling", "OCSPFetching",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // `swift run -c release HandshakeBenchmark --staple .build/release/staple`: staple serve vs nginx.
        .executableTarget(
            name: "HandshakeBenchmark",
            dependencies: [
                "TLSStapling", "OCSPCore", "Stapling", "StapleTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Benchmarks/handshake",
            exclude: ["make-pki.sh", "quick-cpu.sh", "compare-cpu.sh", "nginx-conf.sh", "proxy-cpu.sh", "stime-rate.sh"]
        ),
        // `staple check`: judging a live server's stapling (pure), the prober behind a protocol seam,
        // text/JSON/perfdata reports.
        .target(
            name: "StaplingCheck",
            dependencies: [
                "OCSPCore", "OCSPFetching", "StapleFiles", "TLSStapling",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "StaplingCheckTests",
            dependencies: [
                "StaplingCheck", "StapleCLI", "OCSPCore", "TLSStapling", "StapleTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // `swift run CheckBenchmark --staple PATH`: `staple check -f` against sslyze and testssl.sh.
        .executableTarget(
            name: "CheckBenchmark",
            dependencies: ["StapleTestSupport", "OCSPCore"],
            path: "Benchmarks/check"
        ),
        // RFC 6960 messages, CertID, building and verification. No I/O.
        .target(
            name: "OCSPCore",
            dependencies: [
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // `staple inspect`'s presentation of a response and its verification (text and JSON), and
        // reading a stored response in DER, PEM or base64.
        .target(
            name: "OCSPReporting",
            dependencies: [
                "OCSPCore",
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        // Reading the certificate, chain and response files commands and servers are given.
        .target(
            name: "StapleFiles",
            dependencies: ["OCSPCore", .product(name: "X509", package: "swift-certificates")]
        ),
        // The system OpenSSL (libssl-dev) and a shim for the macros Swift cannot import.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .executableTarget(
            name: "StapleCLI",
            dependencies: [
                "OCSPCore",
                "OCSPReporting",
                "StapleFiles",
                "OCSPFetching",
                "Stapling",
                "ConfigLint",
                "StaplingProxy",
                "TLSStapling",
                "OCSPResponder",
                "StaplingCheck",
                "StapleRun",
                "StapleDemo",
                "StatusHTTP",
                "StapleFleet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // `swift run -c release staple-bench`: our verifier against OpenSSL's, same process.
        .executableTarget(
            name: "VerifyBenchmark",
            dependencies: [
                "OCSPCore", "COpenSSL", "StapleTestSupport",
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Benchmarks/verify"
        ),
        // `swift run -c release MutationBenchmark`: a million mutated responses through the verifier.
        .executableTarget(
            name: "MutationBenchmark",
            dependencies: [
                "OCSPCore", "OCSPReporting", "StapleTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "Benchmarks/mutation"
        ),
        // `staple lint`: nginx, Apache and HAProxy parsers -> one site model -> rules, one per file.
        .target(
            name: "ConfigLint",
            dependencies: [
                "OCSPCore",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // `swift run -c release LintBenchmark`: `staple lint` against `nginx -t` on a generated tree.
        .executableTarget(
            name: "LintBenchmark",
            dependencies: [
                "ConfigLint", "StapleTestSupport",
            ],
            path: "Benchmarks/lint"
        ),
        .testTarget(
            name: "ConfigLintTests",
            dependencies: ["ConfigLint", "OCSPCore", "StapleTestSupport"],
            resources: [.copy("Corpus")]
        ),
        .testTarget(
            name: "OCSPCoreTests",
            dependencies: ["OCSPCore", "OCSPReporting", "StapleFiles", "StapleTestSupport"]
        ),
        // `staple respond`: an OCSP responder from an OpenSSL CA index: status source, pre-signed cache,
        // request handling (pure), HTTP front (NIOHTTP1), index watcher (a Service).
        .target(
            name: "OCSPResponder",
            dependencies: [
                "OCSPCore", "StapleFiles", "Listening",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "OCSPResponderTests",
            dependencies: [
                "OCSPResponder", "OCSPCore", "StapleCLI", "StapleTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The one HTTP endpoint for /metrics, /healthz and /status (respond, serve, run), and the client
        // `staple status` reads it with.
        .target(
            name: "StatusHTTP",
            dependencies: [
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // `staple run`: keeps nginx, HAProxy and plain directories stapled. Configuration (YAML, Yams) and
        // discovery (the linter's parsers), outputs (staple files, reloads, HAProxy's runtime API), the
        // service around the engine (renewals, --once, status and metrics).
        .target(
            name: "StapleRun",
            dependencies: [
                "Stapling", "OCSPCore", "OCSPFetching", "ConfigLint", "TLSStapling", "StapleFiles", "StaplingCheck",
                .product(name: "Yams", package: "Yams"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "StapleRunTests",
            dependencies: [
                "StapleRun", "Stapling", "OCSPCore", "OCSPFetching", "StapleCLI", "StapleTestSupport", "StatusHTTP",
                "StaplingCheck",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            // Discovery's nginx and HAProxy trees (templates: the tests fill in paths, ports and a PKI).
            resources: [.copy("Fixtures")]
        ),
        // Servers run privately on loopback, for `staple demo` and the test kit alike: whether a port
        // listens (/proc/net/tcp, never connecting), a free port, a private nginx's configuration.
        .target(
            name: "LoopbackServers",
            dependencies: ["OCSPCore"]
        ),
        .testTarget(
            name: "LoopbackServersTests",
            dependencies: ["LoopbackServers", "StapleTestSupport"]
        ),
        // `staple demo`: the throwaway PKI (system openssl), the real respond and serve as child
        // processes, the story's steps, rendering.
        .target(
            name: "StapleDemo",
            dependencies: [
                "OCSPCore", "LoopbackServers",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "StapleDemoTests",
            dependencies: ["StapleDemo", "StapleTestSupport"]
        ),
        // Fleets: many nodes share one staple store on PostgreSQL (postgres-nio): the schema and its
        // migrations, lease claims and monotonic upserts, the LISTEN connection, a ResponseSource decorator.
        .target(
            name: "StapleFleet",
            dependencies: [
                "Stapling", "OCSPCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "StapleFleetTests",
            dependencies: [
                "StapleFleet", "Stapling", "OCSPCore", "StapleCLI", "StapleTestSupport", "TLSStapling", "StapleRun", "StatusHTTP",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The fuzz targets' invariants, one place for the libFuzzer executable (Fuzz/) and the
        // regression test that replays Fuzz/regressions.
        .target(
            name: "FuzzChecks",
            dependencies: [
                "OCSPCore", "OCSPReporting", "ConfigLint", "OCSPResponder", "TLSStapling", "StapleRun", "StapleTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            path: "Fuzz/Checks"
        ),
        .testTarget(
            name: "FuzzRegressionTests",
            dependencies: ["FuzzChecks"]
        ),
        // Runs the built `staple` executable as a user would.
        .testTarget(
            name: "StapleCLITests",
            dependencies: ["StapleCLI", "OCSPCore", "StapleTestSupport", "StapleRun", "StatusHTTP"]
        ),
    ]
)
