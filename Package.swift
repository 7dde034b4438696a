// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Staple",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "staple", targets: ["StapleCLI"]),
        .library(name: "OCSPCore", targets: ["OCSPCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // RFC 6960 messages, CertID, building and verification. No I/O.
        .target(
            name: "OCSPCore",
            dependencies: [
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
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
                "ConfigLint",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `swift run -c release staple-bench`: our verifier against OpenSSL's, same process.
        .executableTarget(
            name: "StapleBenchmarks",
            dependencies: ["OCSPCore", "COpenSSL"]
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
                "ConfigLint",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/lint"
        ),
        .testTarget(
            name: "ConfigLintTests",
            dependencies: ["ConfigLint", "OCSPCore"],
            resources: [.copy("Corpus")]
        ),
        .testTarget(
            name: "OCSPCoreTests",
            dependencies: ["OCSPCore"]
        ),
    ]
)
