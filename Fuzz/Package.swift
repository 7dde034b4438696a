// swift-tools-version: 6.0
// The libFuzzer target for OCSPCore. Its own package, so that `-sanitize=fuzzer` and
// `-parse-as-library` never touch the main build. Run it with `Fuzz/run SECONDS`.
import PackageDescription

let package = Package(
    name: "StapleFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "Staple", path: "..")],
    targets: [
        .executableTarget(name: "OCSPFuzz", dependencies: [
                .product(name: "OCSPCore", package: "Staple"), .product(name: "OCSPReporting", package: "Staple"),
            ])
    ]
)
