import Foundation
import Logging
import NIOConcurrencyHelpers
import OCSPCore
import Prometheus
import StapleTestSupport
import Stapling
import StaplingCheck
import TLSStapling
import Testing
import X509

@testable import StapleRun

let outputLogger: Logger = {
    var logger = Logger(label: "staple.run.outputs.tests")
    logger.logLevel = .critical
    return logger
}()

let nginxTestsEnabled = SystemTools.shouldRun(needing: "nginx", "openssl", "ss")
let nginxMissingReason =
    "needs nginx, openssl and ss (apt-get install nginx openssl iproute2); under CI=true it fails instead"
let haproxyTestsEnabled = SystemTools.shouldRun(needing: "haproxy", "openssl", "ss")
let haproxyMissingReason =
    "needs haproxy, openssl and ss (apt-get install haproxy openssl iproute2); under CI=true it fails instead"

/// A staple the only way there is: a response signed by the test CA, judged good for `leaf`.
func judgedStaple(
    _ pki: TestPKI, _ leaf: TestPKI.Leaf, thisUpdate: Date = Date() - 60, nextUpdate: Date? = Date() + 86_400,
    hash: OCSPHashAlgorithm = .sha1
) throws -> Staple {
    let bytes = try pki.signedResponse(
        for: leaf.certificate, thisUpdate: thisUpdate, nextUpdate: nextUpdate, hash: hash)
    return try judged(bytes, pki, leaf)
}

/// `bytes` judged for `leaf`; fails the test when they are not a good staple.
func judged(_ bytes: [UInt8], _ pki: TestPKI, _ leaf: TestPKI.Leaf) throws -> Staple {
    let judgement = StapleJudgement(
        response: bytes, certificate: leaf.certificate, issuer: pki.ca, verifier: OCSPVerifier(),
        currentThisUpdate: nil, policy: RefreshPolicy(), now: Date())
    return try #require(judgement.acceptance.staple, "not a good staple: \(judgement.acceptance)")
}

func update(_ pki: TestPKI, _ leaf: TestPKI.Leaf, _ staple: Staple?, chainHasIssuer: Bool = true) -> SiteStaple {
    SiteStaple(
        site: leaf.serialHex, certificate: leaf.certificate, issuer: pki.ca, chainHasIssuer: chainHasIssuer,
        staple: staple)
}

/// The staple a server sends to our TLS client (TLS 1.3, then 1.2), nil when it sends none.
func servedStaple(port: Int, serverName: String?) async throws -> [UInt8]? {
    let prober = NIOHandshakeProber()
    var failure = "no attempt"
    for version in [TLSVersion.tls13, .tls12] {
        let attempt = HandshakeAttempt(
            host: "127.0.0.1", port: port, serverName: serverName,
            variant: ProbeVariant(version: version, algorithms: .any), timeout: .seconds(10))
        switch await prober.handshake(attempt) {
        case .success(let observed): return observed.staple
        case .failure(let error): failure = "\(error)"
        }
    }
    throw ToolError(description: "handshake to 127.0.0.1:\(port) failed: \(failure)")
}

/// What `openssl s_client -status` printed about the staple of one connection.
struct SClientStaple {
    var text: String
    var stapled: Bool { text.contains("OCSP Response Status: successful") }
    /// The CertID serial of the (first) SingleResponse, upper-case hex.
    var serial: String? { line(after: "Serial Number:") }
    var certStatus: String? { line(after: "Cert Status:") }
    var thisUpdate: String? { line(after: "This Update:") }

    private func line(after label: String) -> String? {
        guard let range = text.range(of: label) else { return nil }
        return text[range.upperBound...].prefix { $0 != "\n" }.trimmingCharacters(in: .whitespaces)
    }

    /// `openssl s_client -connect 127.0.0.1:PORT -servername NAME -status`, standard input closed.
    static func connect(port: Int, serverName: String) throws -> SClientStaple {
        let run = try SystemTools.execute(
            "openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", serverName, "-status"])
        return SClientStaple(text: run.stdout)
    }
}

/// OpenSSL's way of printing a GeneralizedTime (`Dec  1 11:00:00 2026 GMT`), to compare with `This Update:`.
func opensslTime(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "MMM d HH:mm:ss yyyy 'GMT'"
    let text = formatter.string(from: date)
    // OpenSSL pads the day to two characters with a space.
    let parts = text.split(separator: " ", omittingEmptySubsequences: false)
    guard parts.count > 1, parts[1].count == 1 else { return text }
    return "\(parts[0])  \(parts[1...].joined(separator: " "))"
}

/// A prober that answers from a script, for the reloader's logic without a network: each handshake
/// takes the next answer (the last one repeats), or the answer for its port.
final class ScriptedProber: HandshakeProber, Sendable {
    private let answers: NIOLockedValueBox<[[UInt8]?]>
    private let byPort: [Int: [UInt8]]
    private let made = NIOLockedValueBox(0)

    init(_ answers: [[UInt8]?]) {
        self.answers = NIOLockedValueBox(answers)
        byPort = [:]
    }

    init(byPort: [Int: [UInt8]]) {
        self.answers = NIOLockedValueBox([])
        self.byPort = byPort
    }

    var handshakes: Int { made.withLockedValue { $0 } }

    func handshake(_ attempt: HandshakeAttempt) async -> Result<ObservedHandshake, CheckError> {
        let index = made.withLockedValue { count -> Int in
            count += 1
            return count - 1
        }
        let staple =
            byPort[attempt.port] ?? answers.withLockedValue { $0.isEmpty ? nil : $0[min(index, $0.count - 1)] }
        return .success(ObservedHandshake(version: "TLSv1.3", staple: staple, chain: []))
    }
}

/// ``RunMetrics`` over a Prometheus registry of its own, read back as the text `/metrics` serves:
/// what the outputs reported (reloads and pushes by outcome) is seen where an operator sees it.
struct MetricsProbe {
    let registry = PrometheusCollectorRegistry()
    let metrics: RunMetrics

    init() { metrics = RunMetrics(factory: PrometheusMetricsFactory(registry: registry)) }

    /// The value of one sample, e.g. `staple_run_reloads_total{outcome="confirmed"}`; 0 when it is absent.
    func value(_ sample: String) -> Double {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.dropFirst(sample.count + 1)) ?? .nan
        }
        return 0
    }

    func reloads(_ outcome: ReloadOutcome) -> Double {
        value(#"staple_run_reloads_total{outcome="\#(outcome.rawValue)"}"#)
    }

    func pushes(_ outcome: PushOutcome) -> Double {
        value(#"staple_run_pushes_total{outcome="\#(outcome.rawValue)"}"#)
    }
    /// Pushes of any outcome.
    var allPushes: Double { PushOutcome.allCases.map(pushes).reduce(0, +) }
}
