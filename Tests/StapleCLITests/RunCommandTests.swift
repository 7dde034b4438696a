import Foundation
import OCSPCore
import StapleRun
import StapleTestSupport
import StatusHTTP
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `staple run` (the built binary) with a YAML configuration, `directory:` outputs and a real
/// `openssl ocsp` responder: `--once` exit statuses, `--check-config`, `--renewed`, and the
/// foreground service with SIGHUP, /metrics and SIGTERM.
@Suite(.enabled(if: opensslTestsEnabled, Comment(rawValue: opensslMissingReason)))
struct RunCommandTests {
    struct Setup {
        let pki: TestPKI
        let out: String
        let responderPort: Int

        init(name: String) throws {
            pki = try TestPKI(name: name)
            out = pki.path("out")
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            responderPort = try SystemTools.freePort()
        }

        var responderURL: String { "http://127.0.0.1:\(responderPort)/" }

        func leaf(_ name: String, status: TestPKI.Status = .valid, url: String? = nil) throws -> TestPKI.Leaf {
            try pki.issue(commonName: "\(name).test", fileName: name, ocspURLs: [url ?? responderURL], status: status)
        }

        /// Writes `staple.yaml` with one `directory:` site per leaf; returns its path.
        @discardableResult
        func configuration(
            _ sites: [(String, TestPKI.Leaf)], metricsPort: Int? = nil, extra: String = ""
        ) throws
            -> String
        {
            var yaml = "state_directory: \(pki.path("state"))\ncertificate_poll_interval: 1\n"
            if let metricsPort { yaml += "metrics_listen: 127.0.0.1:\(metricsPort)\n" }
            yaml += "sites:\n"
            for (name, leaf) in sites {
                yaml += "  - name: \(name)\n    certificate: \(leaf.pemPath)\n    directory: \(out)\n"
            }
            yaml += extra
            let path = pki.path("staple.yaml")
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func installed(_ name: String) -> [UInt8]? {
            FileManager.default.contents(atPath: "\(out)/\(name).der").map(Array.init)
        }

        func isGood(_ bytes: [UInt8]?, for leaf: TestPKI.Leaf) -> Bool {
            guard let bytes else { return false }
            return OCSPVerifier().verify(response: bytes, certificate: leaf.certificate, issuer: pki.ca, now: Date())
                .verdict == .good
        }
    }

    @Test func onceExitsZeroWhenStapledOneWhenRevokedThreeWhenUnreachableTwoWhenBroken() async throws {
        let setup = try Setup(name: "run-once")
        let good = try setup.leaf("good")
        let revoked = try setup.leaf("revoked", status: .revoked(Date() - 3600))
        let closed = try ClosedPort()
        let unreachable = try setup.leaf("unreachable", url: "http://127.0.0.1:\(closed.port)/")
        let responder = try await OpenSSLResponder(pki: setup.pki, port: setup.responderPort)
        defer { responder.stop() }

        let config = try setup.configuration([("good", good)])
        let ok = try StapleBinary.run(["run", "--config", config, "--once"])
        #expect(ok.status == 0, "\(ok)")
        #expect(ok.stdout.contains("1 of 1 sites stapled"))
        #expect(setup.isGood(setup.installed("good"), for: good))

        try setup.configuration([("good", good), ("revoked", revoked)])
        let judged = try StapleBinary.run(["run", "--config", config, "--once", "--json"])
        #expect(judged.status == 1, "\(judged)")
        let status = try RunStatus.decode(Array(judged.stdout.utf8))
        #expect(status.sites.first { $0.name == "revoked" }?.revoked == true)
        #expect(setup.installed("revoked") == nil)

        try setup.configuration([("good", good), ("unreachable", unreachable)])
        let down = try StapleBinary.run(["run", "--config", config, "--once"])
        #expect(down.status == 3, "\(down)")
        #expect(setup.installed("unreachable") == nil)

        // Revoked and unreachable together: 1, which needs a person.
        try setup.configuration([("revoked", revoked), ("unreachable", unreachable)])
        #expect(try StapleBinary.run(["run", "--config", config, "--once"]).status == 1)

        // A misspelled key: 2, naming the file and the line.
        try setup.configuration([("good", good)], extra: "  - name: typo\n    certificat: \(good.pemPath)\n")
        let broken = try StapleBinary.run(["run", "--config", config, "--once"])
        #expect(broken.status == 2, "\(broken)")
        #expect(broken.stderr.contains("\(config):"), "\(broken)")
        let check = try StapleBinary.run(["run", "--config", config, "--check-config"])
        #expect(check.status == 2)
        #expect(check.stderr.contains("\(config):"))
    }

    @Test func checkConfigNamesAMissingCertificateAndAcceptsAGoodFile() async throws {
        let setup = try Setup(name: "run-check")
        let good = try setup.leaf("good")
        let config = try setup.configuration([("good", good)])
        let ok = try StapleBinary.run(["run", "--config", config, "--check-config"])
        #expect(ok.status == 0, "\(ok)")
        try FileManager.default.removeItem(atPath: good.pemPath)
        let missing = try StapleBinary.run(["run", "--config", config, "--check-config"])
        #expect(missing.status == 2, "\(missing)")
        #expect(missing.stderr.contains(good.pemPath))
    }

    @Test func renewedInstallsTheNewCertificatesStapleBeforeReturning() async throws {
        let setup = try Setup(name: "run-renewed")
        let old = try setup.leaf("www")
        // Issued before the responder starts (`openssl ocsp` reads its index once).
        let renewed = try setup.leaf("www-next")
        let responder = try await OpenSSLResponder(pki: setup.pki, port: setup.responderPort)
        defer { responder.stop() }
        let config = try setup.configuration([("www", old)])
        #expect(try StapleBinary.run(["run", "--config", config, "--once"]).status == 0)
        #expect(setup.isGood(setup.installed("www"), for: old))
        // certbot replaces the chain file, then runs the deploy hook.
        try FileManager.default.removeItem(atPath: old.pemPath)
        try FileManager.default.copyItem(atPath: renewed.pemPath, toPath: old.pemPath)
        let hook = try StapleBinary.run(["run", "--config", config, "--renewed", old.pemPath])
        #expect(hook.status == 0, "\(hook)")
        #expect(setup.isGood(setup.installed("www"), for: renewed))
        #expect(!setup.isGood(setup.installed("www"), for: old))
        let unknown = try StapleBinary.run(["run", "--config", config, "--renewed", "/nonexistent/cert.pem"])
        #expect(unknown.status == 2, "\(unknown)")
    }

    @Test func theServiceReReadsItsConfigurationOnSIGHUPServesMetricsAndStopsOnSIGTERM() async throws {
        let setup = try Setup(name: "run-service")
        let www = try setup.leaf("www")
        let api = try setup.leaf("api")
        let responder = try await OpenSSLResponder(pki: setup.pki, port: setup.responderPort)
        defer { responder.stop() }
        let metricsPort = try SystemTools.freePort()
        let config = try setup.configuration([("www", www)], metricsPort: metricsPort)
        let service = try await ListeningProcess(
            SystemTools.stapleBinary, ["run", "--config", config, "--log-level", "debug"], port: metricsPort,
            logPath: setup.pki.path("run.log"), stopSignal: SIGTERM)
        defer { service.stop() }
        let base = "http://127.0.0.1:\(metricsPort)"
        #expect(await eventually(within: 60) { setup.isGood(setup.installed("www"), for: www) }, "\(service.log)")
        #expect(try await StatusClient.get(base + "/healthz").status == 200)

        try setup.configuration([("www", www), ("api", api)], metricsPort: metricsPort)
        service.signal(SIGHUP)
        #expect(await eventually(within: 60) { setup.isGood(setup.installed("api"), for: api) }, "\(service.log)")
        let status = try RunStatus.decode(try await StatusClient.get(base + "/status").body)
        #expect(status.sites.map(\.name) == ["www", "api"])
        #expect(service.isRunning)

        // An invalid configuration on SIGHUP is logged; the running one stays.
        try "sites: [".write(toFile: config, atomically: true, encoding: .utf8)
        service.signal(SIGHUP)
        #expect(await eventually(within: 60) { service.log.contains("Configuration not taken") }, "\(service.log)")
        #expect(try RunStatus.decode(try await StatusClient.get(base + "/status").body).sites.count == 2)

        let metrics = String(decoding: try await StatusClient.get(base + "/metrics").body, as: UTF8.self)
        #expect(metrics.contains("staple_run_sites 2"), "\(metrics)")
        #expect(metrics.contains(#"staple_fetches_total{outcome="good"}"#))
        #expect(service.stop() == 0, "\(service.log)")
    }
}
