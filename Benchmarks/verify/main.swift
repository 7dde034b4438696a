// `swift run -c release staple-bench [SECONDS]`: verification throughput of our verifier against
// OpenSSL's, on the same response, in one process. Prints the ratio first, then operations per
// second and CPU time per operation for both.
//
// `staple-bench --count N [staple|certificate|openssl] [rsa|p256]`: N verifications and nothing else, for
// `valgrind --tool=callgrind` (instruction counts that do not depend on the machine's load).
import Foundation
import StapleTestSupport

#if canImport(Glibc)
    import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
if let index = arguments.firstIndex(of: "--count") {
    let count = arguments.dropFirst(index + 1).first.flatMap(Int.init) ?? 1_000
    let only = arguments.first { ["staple", "certificate", "openssl"].contains($0) }
    let keyTypes = [TestPKI.KeyType.rsa, .p256].filter { arguments.contains($0.rawValue) }
    for keyType in keyTypes.isEmpty ? [.rsa, .p256] : keyTypes {
        let fixture = try VerificationFixture(keyType: keyType)
        defer { fixture.remove() }
        let openssl = try OpenSSLVerifier(fixture: fixture)
        for _ in 0..<count {
            if only == nil || only == "staple" { precondition(fixture.verifyWithStaple()) }
            if only == nil || only == "certificate" { precondition(fixture.verifyWithStapleFromCertificate()) }
            if only == nil || only == "openssl" { precondition(openssl.verify()) }
        }
        print("\(keyType.displayName): \(count) verifications by \(only ?? "both")")
    }
    exit(0)
}

let seconds = arguments.first.flatMap(Double.init) ?? 2.0

struct Row {
    var name: String
    var ours: Throughput.Measure
    var oneOff: Throughput.Measure
    var theirs: Throughput.Measure
    /// Ours over theirs, in operations per CPU second (the same as theirs over ours in CPU per operation).
    var ratio: Double { theirs.cpuPerOperation / ours.cpuPerOperation }
    var wallRatio: Double { ours.operationsPerSecond / theirs.operationsPerSecond }
    var oneOffRatio: Double { theirs.cpuPerOperation / oneOff.cpuPerOperation }
}

var rows: [Row] = []
for keyType in [TestPKI.KeyType.rsa, .p256] {
    let fixture = try VerificationFixture(keyType: keyType)
    defer { fixture.remove() }
    let openssl = try OpenSSLVerifier(fixture: fixture)
    // Both must agree that the response is good before anything is timed.
    precondition(fixture.verifyWithStaple(), "our verifier rejected the benchmark response")
    precondition(fixture.verifyWithStapleFromCertificate(), "our verifier rejected the benchmark response")
    precondition(openssl.verify(), "OpenSSL rejected the benchmark response")
    var ours = Throughput.Measure.worst
    var oneOff = Throughput.Measure.worst
    var theirs = Throughput.Measure.worst
    // Alternating rounds, best of each: both see the same background load.
    for _ in 0..<3 {
        ours = ours.best(Throughput.measure(seconds: seconds) { fixture.verifyWithStaple() })
        oneOff = oneOff.best(Throughput.measure(seconds: seconds) { fixture.verifyWithStapleFromCertificate() })
        theirs = theirs.best(Throughput.measure(seconds: seconds) { openssl.verify() })
    }
    rows.append(Row(name: keyType.displayName, ours: ours, oneOff: oneOff, theirs: theirs))
}

func pad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}

print(
    "Staple/OpenSSL verification: "
        + rows.map { "\($0.name) \(String(format: "%.2f", $0.ratio))×" }.joined(separator: ", ")
        + " (operations per CPU second; ≥ 1.00× is faster than OpenSSL)")
print("")
print("Verifying one issuer-signed response per operation, \(seconds) s per measurement, best of 3 alternating rounds.")
print("OpenSSL: d2i_OCSP_RESPONSE + OCSP_basic_verify + OCSP_cert_to_id + OCSP_resp_find_status + OCSP_check_validity")
print("Staple:  OCSPVerifier.verify (every check; CertID hashes compared with the OCSPIssuer's, computed once per CA)")
print("  one-off: the same from the issuer Certificate, as staple inspect does: "
    + rows.map { "\($0.name) \(String(format: "%.2f", $0.oneOffRatio))× (\(String(format: "%.1f", $0.oneOff.cpuPerOperation * 1e6)) µs CPU/op)" }
        .joined(separator: ", "))
print("")
print("key      | ratio (CPU) | ratio (wall) | Staple µs CPU/op | OpenSSL µs CPU/op | Staple ops/s | OpenSSL ops/s")
print("---------|-------------|--------------|------------------|-------------------|--------------|--------------")
for row in rows {
    BenchmarkResult(
        benchmark: "verify", metric: "CPU per verification, \(row.name.trimmingCharacters(in: .whitespaces))",
        staple: row.ours.cpuPerOperation * 1e6, peer: row.theirs.cpuPerOperation * 1e6, peerName: "OpenSSL",
        unit: "µs", higherIsBetter: false
    ).emit()
    print(
        [
            row.name.padding(toLength: 8, withPad: " ", startingAt: 0),
            pad(String(format: "%.2f×", row.ratio), 11),
            pad(String(format: "%.2f×", row.wallRatio), 12),
            pad(String(format: "%.1f", row.ours.cpuPerOperation * 1e6), 16),
            pad(String(format: "%.1f", row.theirs.cpuPerOperation * 1e6), 17),
            pad(String(format: "%.0f", row.ours.operationsPerSecond), 12),
            pad(String(format: "%.0f", row.theirs.operationsPerSecond), 13),
        ].joined(separator: " | "))
}

enum Throughput {
    struct Measure {
        var operationsPerSecond: Double
        /// Seconds of this thread's CPU time per operation.
        var cpuPerOperation: Double

        static let worst = Measure(operationsPerSecond: 0, cpuPerOperation: .infinity)

        func best(_ other: Measure) -> Measure {
            Measure(
                operationsPerSecond: max(operationsPerSecond, other.operationsPerSecond),
                cpuPerOperation: min(cpuPerOperation, other.cpuPerOperation))
        }
    }

    /// This thread's CPU time in seconds (CLOCK_THREAD_CPUTIME_ID: not counting time other processes run).
    static func threadCPU() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// Operations per second and CPU per operation of `body` over about `seconds`.
    static func measure(seconds: Double, _ body: () -> Bool) -> Measure {
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = threadCPU()
        var operations = 0
        var elapsed = Duration.zero
        while elapsed < .seconds(seconds) {
            for _ in 0..<50 where !body() { fatalError("verification failed during the benchmark") }
            operations += 50
            elapsed = clock.now - start
        }
        let cpu = threadCPU() - cpuStart
        let components = elapsed.components
        let wall = Double(components.seconds) + Double(components.attoseconds) * 1e-18
        return Measure(operationsPerSecond: Double(operations) / wall, cpuPerOperation: cpu / Double(operations))
    }
}
