import Foundation
import Logging
import NIOConcurrencyHelpers
import OCSPCore
import Prometheus
import ServiceLifecycle
import StapleTestSupport
import Stapling
import SwiftASN1
import X509

@testable import StapleRun

/// A clock the test moves: the engine, the verifier and reconciling all read it.
final class TestClock: Sendable {
    private let box: NIOLockedValueBox<Date>
    init(_ start: Date = Date()) { box = NIOLockedValueBox(start) }
    var now: Date { box.withLockedValue { $0 } }
    func advance(by seconds: TimeInterval) { box.withLockedValue { $0 += seconds } }
    var function: @Sendable () -> Date { { [box] in box.withLockedValue { $0 } } }
}

/// A responder over real HTTP (``TestHTTPServer``) whose answer the test changes: good with chosen
/// times, revoked, unknown, or down (the connection closed without an answer). Responses are signed
/// by the test CA (OCSPCore's signer) for whichever registered certificate the request names.
final class ScriptedResponder: Sendable {
    enum Answer: Sendable {
        case good(thisUpdate: Date, nextUpdate: Date)
        case revoked(thisUpdate: Date, nextUpdate: Date)
        case unknown(thisUpdate: Date, nextUpdate: Date)
        case down
    }

    private struct State {
        var answer: Answer
        var certificates: [String: Certificate] = [:]
        var answered = 0
    }

    let pki: TestPKI
    private let state: NIOLockedValueBox<State>
    let server: TestHTTPServer

    private init(pki: TestPKI, state: NIOLockedValueBox<State>, server: TestHTTPServer) {
        self.pki = pki
        self.state = state
        self.server = server
    }

    static func start(pki: TestPKI, answer: Answer) async throws -> ScriptedResponder {
        let state = NIOLockedValueBox(State(answer: answer))
        let server = try await TestHTTPServer { request in Self.handle(request, state: state, pki: pki) }
        return ScriptedResponder(pki: pki, state: state, server: server)
    }

    var url: String { server.url() }
    func set(_ answer: Answer) { state.withLockedValue { $0.answer = answer } }
    func register(_ certificate: Certificate) {
        state.withLockedValue { $0.certificates[Array(certificate.serialNumber.bytes).hexString] = certificate }
    }
    /// Responses signed so far.
    var answered: Int { state.withLockedValue { $0.answered } }

    func stop() async { await server.stop() }

    private static func handle(
        _ request: RecordedRequest, state: NIOLockedValueBox<State>, pki: TestPKI
    ) -> TestHTTPAction {
        let (answer, certificate): (Answer, Certificate?) = state.withLockedValue { state in
            (state.answer, serial(of: request).flatMap { state.certificates[$0] })
        }
        guard let certificate else { return .respond(status: 400, headers: [], body: []) }
        let response: [UInt8]?
        switch answer {
        case .down:
            return .close
        case .good(let thisUpdate, let nextUpdate):
            response = try? pki.signedResponse(for: certificate, thisUpdate: thisUpdate, nextUpdate: nextUpdate)
        case .revoked(let thisUpdate, let nextUpdate):
            response = try? pki.signedResponse(
                for: certificate, status: .revoked(time: try! GeneralizedTime(thisUpdate - 3600), reason: nil),
                thisUpdate: thisUpdate, nextUpdate: nextUpdate)
        case .unknown(let thisUpdate, let nextUpdate):
            response = try? pki.signedResponse(
                for: certificate, status: .unknown, thisUpdate: thisUpdate, nextUpdate: nextUpdate)
        }
        guard let response else { return .respond(status: 500, headers: [], body: []) }
        state.withLockedValue { $0.answered += 1 }
        return .ocsp(response)
    }

    /// The serial (hex) the OCSP request in a GET path or POST body asks about.
    static func serial(of request: RecordedRequest) -> String? {
        var der = request.body
        if request.method == "GET" {
            let encoded = String(request.uri.drop { $0 == "/" })
            guard let text = encoded.removingPercentEncoding, let data = Data(base64Encoded: text) else { return nil }
            der = Array(data)
        }
        guard let parsed = try? OCSPRequest(derEncoded: der) else { return nil }
        return parsed.tbsRequest.requestList.first?.reqCert.serialNumber.hexString
    }
}

/// One site writing `<name>.der` into a directory, with its PKI, responder and clock.
struct DirectorySite {
    let pki: TestPKI
    let responder: ScriptedResponder
    let clock: TestClock
    let leaf: TestPKI.Leaf
    let outDirectory: String
    let stateDirectory: String
    let registry = PrometheusCollectorRegistry()

    static func make(name: String = "www", answer: (Date) -> ScriptedResponder.Answer) async throws -> DirectorySite {
        let clock = TestClock()
        let pki = try TestPKI(name: "run-\(name)")
        let responder = try await ScriptedResponder.start(pki: pki, answer: answer(clock.now))
        let leaf = try pki.issue(commonName: "\(name).test", fileName: "\(name)-chain", ocspURLs: [responder.url])
        responder.register(leaf.certificate)
        let out = pki.path("out")
        let state = pki.path("state")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        return DirectorySite(
            pki: pki, responder: responder, clock: clock, leaf: leaf, outDirectory: out, stateDirectory: state)
    }

    var site: SiteConfiguration {
        SiteConfiguration(name: "www", certificate: leaf.pemPath, directory: outDirectory)
    }

    func configuration(pollInterval: TimeInterval = 0.1, sites: [SiteConfiguration]? = nil) -> RunConfiguration {
        RunConfiguration(
            stateDirectory: stateDirectory, certificatePollInterval: pollInterval, sites: sites ?? [site])
    }

    func service(
        _ configuration: RunConfiguration? = nil, margin: TimeInterval = ReconcilePlan.defaultWithdrawalMargin
    )
        throws -> RunService
    {
        var logger = Logger(label: "test.run")
        logger.logLevel = .warning
        return try RunService(
            configuration: configuration ?? self.configuration(), withdrawalMargin: margin,
            reconcileInterval: .milliseconds(50), startupWait: .seconds(5), engineLongestSleep: .milliseconds(50),
            metricsFactory: PrometheusMetricsFactory(registry: registry), now: clock.function, logger: logger)
    }

    var stapleFile: String { (outDirectory as NSString).appendingPathComponent("www.der") }

    /// The staple file's bytes, nil when there is none.
    func installed(_ name: String = "www") -> [UInt8]? {
        FileManager.default.contents(atPath: (outDirectory as NSString).appendingPathComponent("\(name).der")).map(
            Array.init)
    }

    /// What the verifier says of `bytes` for `certificate` at the test clock's time.
    func verification(_ bytes: [UInt8], for certificate: Certificate) -> OCSPVerification {
        OCSPVerifier().verify(response: bytes, certificate: certificate, issuer: pki.ca, now: clock.now)
    }
}

/// Runs `service` in a `ServiceGroup` while `body` runs, then shuts it down gracefully.
func withRunning<T: Sendable>(_ service: RunService, _ body: () async throws -> T) async throws -> T {
    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(
            services: [.init(service: service)], logger: Logger(label: "test.group")))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let result = try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}
