// `swift run -c release staple-bench`: verification throughput of our verifier against OpenSSL's,
// on the same response, in one process. Prints operations per second for both and the ratio.
import Foundation
import StapleTestSupport

let seconds = CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 2.0
print("Verifying one issuer-signed response per operation, \(seconds) s per measurement, best of 3 rounds.")
print("OpenSSL: d2i_OCSP_RESPONSE + OCSP_basic_verify + OCSP_cert_to_id + OCSP_resp_find_status + OCSP_check_validity")
print("Staple:  OCSPVerifier.verify (every check; CertID recomputed from the certificates)")
print("")
print("key      |   Staple ops/s |  OpenSSL ops/s | ratio")
print("---------|----------------|----------------|------")
for keyType in [TestPKI.KeyType.rsa, .p256] {
    let fixture = try VerificationFixture(keyType: keyType)
    defer { fixture.remove() }
    let openssl = try OpenSSLVerifier(fixture: fixture)
    // Both must agree that the response is good before anything is timed.
    precondition(fixture.verifyWithStaple(), "our verifier rejected the benchmark response")
    precondition(openssl.verify(), "OpenSSL rejected the benchmark response")
    var ours = 0.0
    var theirs = 0.0
    for _ in 0..<3 {
        ours = max(ours, Throughput.measure(seconds: seconds) { fixture.verifyWithStaple() })
        theirs = max(theirs, Throughput.measure(seconds: seconds) { openssl.verify() })
    }
    let ratio = ours / theirs
    print(
        "\(keyType.displayName.padding(toLength: 8, withPad: " ", startingAt: 0)) | \(String(format: "%14.0f", ours)) | "
            + "\(String(format: "%14.0f", theirs)) | \(String(format: "%.2f", ratio))×"
    )
}

enum Throughput {
    /// Operations per second of `body` over about `seconds`.
    static func measure(seconds: Double, _ body: () -> Bool) -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        var operations = 0
        var elapsed = Duration.zero
        while elapsed < .seconds(seconds) {
            for _ in 0..<50 where !body() { fatalError("verification failed during the benchmark") }
            operations += 50
            elapsed = clock.now - start
        }
        let components = elapsed.components
        return Double(operations) / (Double(components.seconds) + Double(components.attoseconds) * 1e-18)
    }
}
