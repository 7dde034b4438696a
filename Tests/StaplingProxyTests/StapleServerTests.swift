import Foundation
import Logging
import MetricsTestKit
import NIOPosix
import OCSPCore
import OCSPFetching
import StapleTestSupport
import Stapling
import StaplingProxy
import TLSStapling
import Testing

/// `StapleServer` in process: what it refuses, with which code, and where its metrics go.
@Suite("StapleServer")
struct StapleServerTests {
    static let logger = Logger(label: "staple.test.server")

    /// Builds a server over `certificates` with a fetcher that is shut down afterwards.
    static func withServer<T>(
        certificates: [TLSCertificateSource], stateDirectory: String? = nil, metrics: TestMetrics = TestMetrics(),
        _ body: (StapleServer) async throws -> T
    ) async throws -> T {
        let fetcher = OCSPFetcher(configuration: OCSPFetchConfiguration(attemptTimeout: 1), logger: logger)
        do {
            let server = try StapleServer(
                configuration: StapleServerConfiguration(
                    listen: TLSProxy.Endpoint(host: "127.0.0.1", port: 0),
                    backend: TLSProxy.Endpoint(host: "127.0.0.1", port: 9), certificates: certificates,
                    stateDirectory: stateDirectory, startupWait: .zero
                ),
                fetch: StapleFetch(fetcher: fetcher, logger: logger), group: MultiThreadedEventLoopGroup.singleton,
                metricsFactory: metrics, logger: logger
            )
            let result = try await body(server)
            try await fetcher.shutdown()
            return result
        } catch {
            try? await fetcher.shutdown()
            throw error
        }
    }

    @Test("unusable input is refused with a code naming what is wrong, and the file")
    func refusals() async throws {
        let pki = try TestPKI(name: "server-refusals")
        defer { pki.remove() }
        let leaf = try pki.issue()
        let leafOnly = "\(pki.directory)/leaf-only.pem"
        try CertificateLoading.pem(leaf.certificate).write(toFile: leafOnly, atomically: true, encoding: .utf8)
        let notADirectory = "\(pki.directory)/file"
        try "x".write(toFile: notADirectory, atomically: true, encoding: .utf8)
        let cases: [(TLSCertificateSource, String?, ServeError.Code, String)] = [
            (
                TLSCertificateSource(chainPath: "\(pki.directory)/missing.pem", keyPath: leaf.keyPath), nil,
                .certificateChain, "missing.pem"
            ),
            (TLSCertificateSource(chainPath: leafOnly, keyPath: leaf.keyPath), nil, .certificateChain, "issuer"),
            (
                TLSCertificateSource(chainPath: leaf.pemPath, keyPath: pki.caKeyPath), nil, .tlsConfiguration,
                pki.caKeyPath
            ),
            (
                TLSCertificateSource(chainPath: leaf.pemPath, keyPath: leaf.keyPath), notADirectory, .stateDirectory,
                notADirectory
            ),
        ]
        for (source, stateDirectory, code, mention) in cases {
            await #expect {
                try await Self.withServer(certificates: [source], stateDirectory: stateDirectory) { _ in }
            } throws: { error in
                guard let error = error as? ServeError else { return false }
                return error.code == code && error.reason.contains(mention)
            }
        }
    }

    @Test("the engine's and the server's gauges go to the injected metrics factory")
    func injectedMetrics() async throws {
        let pki = try TestPKI(name: "server-metrics")
        defer { pki.remove() }
        // No responder URL: the start-up fetch fails at once, and the certificate stays unstapled.
        let leaf = try pki.issue()
        let metrics = TestMetrics()
        let source = TLSCertificateSource(chainPath: leaf.pemPath, keyPath: leaf.keyPath)
        let unstapled = try await Self.withServer(certificates: [source], metrics: metrics) { server in
            await server.prepare()
        }
        #expect(unstapled == [leaf.pemPath])
        #expect(try metrics.expectGauge("staple_must_staple_without_staple").lastValue == 0)
        #expect(try metrics.expectGauge("staple_certificates").lastValue == 1)
    }
}
