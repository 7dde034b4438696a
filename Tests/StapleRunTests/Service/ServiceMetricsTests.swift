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
        return try SystemTools.execute("python3", ["-c", script, path])
    }

    static var pythonMissing: String? {
        guard SystemTools.which("python3") != nil else { return "python3 is not installed (apt-get install python3)" }
        let probe = try? SystemTools.execute("python3", ["-c", "import prometheus_client"])
        return probe?.status == 0
            ? nil
            : "prometheus_client is missing: pip install prometheus-client (or apt-get install python3-prometheus-client)"
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
            let channel = try await StatusEndpoint.start(
                host: "127.0.0.1", port: 0,
                routes: StatusRoutes(
                    registry: fixture.registry, healthy: { service.isHealthy },
                    status: { await service.status().json() }))
            let base = "http://127.0.0.1:\(channel.localAddress?.port ?? 0)"
            let metrics = try await StatusClient.get(base + "/metrics")
            #expect(metrics.status == 200)
            let parsed = try Self.parsePrometheus(String(decoding: metrics.body, as: UTF8.self))
            #expect(parsed.status == 0, "\(parsed)")
            var samples: [String: Double] = [:]
            for line in parsed.stdout.split(separator: "\n") {
                guard let space = line.lastIndex(of: " ") else { continue }
                samples[String(line[..<space])] = Double(line[line.index(after: space)...])
            }
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
            try await channel.close()
        }
        #expect(!service.isHealthy)
    }
}
