import Foundation
import StapleRun
import StapleTestSupport
import StatusHTTP
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `staple serve --metrics-listen` (the built binary, a real `openssl ocsp` responder): the same
/// /metrics, /healthz and /status endpoint `staple run` serves, read by `staple status`.
@Suite(.enabled(if: opensslTestsEnabled, Comment(rawValue: opensslMissingReason)))
struct RunServeMetricsTests {
    @Test func serveAnswersStatusHealthAndMetrics() async throws {
        let pki = try TestPKI(name: "serve-metrics")
        let responderPort = try SystemTools.freePort()
        let leaf = try pki.issue(commonName: "serve.test", ocspURLs: ["http://127.0.0.1:\(responderPort)/"])
        let responder = try await OpenSSLResponder(pki: pki, port: responderPort)
        defer { responder.stop() }
        let backend = try ClosedPort()
        let metricsPort = try SystemTools.freePort()
        let serve = try await ServeProcess(
            [
                "--cert", leaf.pemPath, "--key", leaf.keyPath, "--backend", "127.0.0.1:\(backend.port)",
                "--metrics-listen", "127.0.0.1:\(metricsPort)",
            ], directory: pki.directory)
        defer { serve.stop() }
        let base = "http://127.0.0.1:\(metricsPort)"
        let status = try RunStatus.decode(try await StatusClient.get(base + "/status").body)
        #expect(status.service == "serve")
        #expect(status.sites.map(\.serial) == [leaf.serialHex])
        #expect(status.sites.first?.stapled == true, "\(serve.log)")
        #expect(try await StatusClient.get(base + "/healthz").status == 200)
        let metrics = String(decoding: try await StatusClient.get(base + "/metrics").body, as: UTF8.self)
        #expect(metrics.contains(#"staple_fetches_total{outcome="good"} 1"#))
        let table = try StapleBinary.run(["status", "--url", base])
        #expect(table.status == 0, "\(table)")
        #expect(table.stdout.contains(leaf.serialHex))
        #expect(serve.stop() == 0)
    }
}
