import Foundation
import NIOCore
import Prometheus
import StapleTestSupport
import StatusHTTP
import Testing

@testable import StapleRun

/// The status endpoint over real HTTP: /metrics checked with a real Prometheus parser
/// (prometheus_client's, from PyPI), /healthz, /status decoded.
@Suite struct ServiceMetricsTests {
    /// Parses Prometheus text with `prometheus_client.parser.text_string_to_metric_families` and
    /// prints `name{labels} value` per sample.
    static func parsePrometheus(_ text: String) throws -> SystemTools.Execution {
        let path = try TemporaryDirectory.make(prefix: "metrics") + "/metrics.txt"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let script = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
                    print(f"{s.name}{{{labels}}} {s.value}")
            """
        return try SystemTools.execute(SystemTools.debianPython, ["-c", script, path])
    }

    /// `name{labels}` → value of every sample of `text`, as prometheus_client parsed it; the test fails
    /// when the parser refuses the text.
    static func samples(_ text: String) throws -> [String: Double] {
        let parsed = try parsePrometheus(text)
        #expect(parsed.status == 0, "\(parsed)")
        var samples: [String: Double] = [:]
        for line in parsed.stdout.split(separator: "\n") {
            guard let space = line.lastIndex(of: " ") else { continue }
            samples[String(line[..<space])] = Double(line[line.index(after: space)...])
        }
        return samples
    }

    /// Serves `service`'s /metrics, /healthz and /status on a loopback port while `body` runs.
    static func withEndpoint<T>(
        _ service: RunService, registry: PrometheusCollectorRegistry, _ body: (String) async throws -> T
    ) async throws -> T {
        let channel = try await StatusEndpoint.start(
            host: "127.0.0.1", port: 0,
            routes: StatusRoutes(
                registry: registry, healthy: { service.isHealthy }, status: { await service.status().json() }))
        do {
            let result = try await body("http://127.0.0.1:\(channel.localAddress?.port ?? 0)")
            try await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }

    static var pythonMissing: String? {
        let python = SystemTools.debianPython
        guard python.hasPrefix("/") || SystemTools.which(python) != nil else {
            return "python3 is not installed (apt-get install python3)"
        }
        let probe = try? SystemTools.execute(python, ["-c", "import prometheus_client"])
        return probe?.status == 0
            ? nil
            : "prometheus_client is missing for \(python): apt-get install python3-prometheus-client"
    }

    @Test func metricsParseAsPrometheusTextAndNameTheSites() async throws {
        if let missing = Self.pythonMissing {
            #expect(!SystemTools.isCI, "\(missing)")
            print("skipped: \(missing)")
            return
        }
        let fixture = try await DirectorySite.make { now in .good(thisUpdate: now - 60, nextUpdate: now + 3600) }
        defer { Task { await fixture.responder.stop() } }
        let service = try fixture.service()
        try await withRunning(service) {
            #expect(await eventually(within: 60) { fixture.installed() != nil })
            await service.reconcileAll()
            try await Self.withEndpoint(service, registry: fixture.registry) { base in
                let metrics = try await StatusClient.get(base + "/metrics")
                #expect(metrics.status == 200)
                let samples = try Self.samples(String(decoding: metrics.body, as: UTF8.self))
                #expect(samples["staple_run_sites{}"] == 1)
                #expect(samples["staple_run_sites_without_valid_staple{}"] == 0)
                #expect((samples[#"staple_run_staple_age_seconds{site="www"}"#] ?? -1) >= 60)
                #expect((samples[#"staple_run_staple_seconds_until_next_update{site="www"}"#] ?? 0) > 3000)
                #expect(samples[#"staple_fetches_total{outcome="good"}"#] == 1)
                #expect(samples[#"staple_run_installs_total{outcome="installed",output="directory"}"#] == 1)

                let health = try await StatusClient.get(base + "/healthz")
                #expect(health.status == 200)
                let status = try await StatusClient.get(base + "/status")
                #expect(status.status == 200)
                #expect(try RunStatus.decode(status.body).sites.first?.stapled == true)
                #expect(try await StatusClient.get(base + "/nothing").status == 404)
            }
        }
        #expect(!service.isHealthy)
    }

    @Test("a real nginx reload and a real HAProxy push show in /metrics by outcome (confirmed, updated)")
    func reloadsAndPushesByOutcome() async throws {
        if let missing = Self.pythonMissing {
            #expect(!SystemTools.isCI, "\(missing)")
            print("skipped: \(missing)")
            return
        }
        guard nginxTestsEnabled, haproxyTestsEnabled else {
            print("skipped: \(nginxMissingReason); \(haproxyMissingReason)")
            return
        }
        let fixture = try await DirectorySite.make { now in .good(thisUpdate: now - 60, nextUpdate: now + 3600) }
        defer { Task { await fixture.responder.stop() } }
        let pki = fixture.pki
        // nginx: the site's server{} includes the snippet staple run manages.
        let nginxSite = try NginxOutputTests.Site(pki, name: "www.test")
        fixture.responder.register(nginxSite.leaf.certificate)
        // HAProxy: the same certificate with its key in one file, registered by an empty .ocsp.
        let crt = pki.path("site.pem")
        try (String(contentsOfFile: nginxSite.leaf.pemPath, encoding: .utf8) + nginxSite.leaf.keyPEM).write(
            toFile: crt, atomically: true, encoding: .utf8)
        try pki.write([], to: "site.pem.ocsp")
        let root = pki.path("nginx")
        let site = SiteConfiguration(
            name: "www", certificate: nginxSite.leaf.pemPath, responder: fixture.responder.url,
            nginx: nginxSite.configuration(reload: .command("nginx -p \(root) -c \(root)/nginx.conf -s reload")),
            haproxy: HAProxyOutputConfiguration(crt: crt, socket: .unix(path: pki.path("admin.sock"))))
        let service = try fixture.service(fixture.configuration(sites: [site]))  // writes the "off" snippet
        let nginx = try await NginxProcess(root: root, port: nginxSite.port, workers: 2, http: nginxSite.server)
        defer { nginx.stop() }
        let haproxyPort = try SystemTools.freePort()
        let haproxy = try await HAProxyProcess(root: pki.directory, port: haproxyPort, crt: crt)
        defer { haproxy.stop() }
        try await withRunning(service) {
            let counted = await eventually(within: 120) {
                let status = await service.status().sites.first
                return status?.outputs.allSatisfy { $0.outcome == "installed" } == true && status?.outputs.count == 2
            }
            let status = await service.status()
            #expect(counted, "\(status)\n\(nginx.errorLog)\n\(haproxy.log)")
            for output in status.sites.first?.outputs ?? [] {
                #expect(output.outcome == "installed", "\(output)")
            }
            await service.flushAll()  // the debounced reload, confirmed
            try await Self.withEndpoint(service, registry: fixture.registry) { base in
                let metrics = try await StatusClient.get(base + "/metrics")
                let samples = try Self.samples(String(decoding: metrics.body, as: UTF8.self))
                #expect(samples[#"staple_run_reloads_total{outcome="confirmed"}"#] == 1, "\(samples)")
                #expect(samples[#"staple_run_reloads_total{outcome="failed"}"#] == nil)
                #expect(samples[#"staple_run_pushes_total{outcome="updated"}"#] == 1, "\(samples)")
                #expect(samples[#"staple_run_pushes_total{outcome="refused"}"#] == nil)
                #expect(samples[#"staple_run_installs_total{outcome="installed",output="nginx"}"#] == 1)
                #expect(samples[#"staple_run_installs_total{outcome="installed",output="haproxy"}"#] == 1)
            }
            // What the counters say happened did: both serve the staple, judged good for the certificate.
            for port in [nginxSite.port, haproxyPort] {
                let served = try #require(try await servedStaple(port: port, serverName: "www.test"))
                #expect(fixture.verification(served, for: nginxSite.leaf.certificate).verdict == .good)
            }
        }
    }
}
