// swift-tools-version: 6.0
// The libFuzzer executable for every input Staple takes from strangers. Its own package, so that
// `-sanitize=fuzzer` and `-parse-as-library` never touch the main build. The targets and their
// invariants live in the main package (`FuzzChecks`, Fuzz/Checks), shared with the regression test.
// Run it with `Fuzz/run TARGET SECONDS` or `Fuzz/run all SECONDS`.
import PackageDescription

let package = Package(
    name: "StapleFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "Staple", path: "..")],
    targets: [
        .executableTarget(name: "StapleFuzz", dependencies: [.product(name: "FuzzChecks", package: "Staple")])
    ]
)
