import Foundation
import OCSPCore
import StapleRun
import StapleTestSupport
import StatusHTTP
import Testing

#if canImport(Glibc)
    import Glibc
#endif

let endToEndMissingReason =
    "needs nginx, haproxy, openssl and ss (apt-get install nginx haproxy openssl iproute2); under CI=true it fails instead"

/// `staple run --config FILE`, the built binary as a child process, keeping a real nginx
/// (`worker_processes 2`) and a real HAProxy 2.6 stapled for two sites from one YAML, with a real
/// `openssl ocsp` responder. Staples are read with `openssl s_client -status` and judged by the
/// project's verifier for each site's certificate.
@Suite(
    "staple run end to end: nginx and HAProxy",
    .enabled(
        if: SystemTools.shouldRun(needing: "nginx", "haproxy", "openssl", "ss"),
        Comment(rawValue: endToEndMissingReason)))
struct RunEndToEndTests {
    /// One site: its certificate, the nginx `server{}` port, and the files staple run manages.
    struct Site {
        var name: String
        var leaf: TestPKI.Leaf
        var nginxPort: Int
        var stapleFile: String
        var includeFile: String
        /// HAProxy's `crt` (leaf, chain and key), in the directory HAProxy loads.
        var crt: String
        var serverName: String { "\(name).test" }

        func server() -> String {
            """
                server {
                    listen 127.0.0.1:\(nginxPort) ssl;
                    server_name \(serverName);
                    ssl_protocols TLSv1.2 TLSv1.3;
                    ssl_certificate \(leaf.pemPath);
                    ssl_certificate_key \(leaf.keyPath);
                    include \(includeFile);
                    return 200 "ok\\n";
                }
            """
        }

        func yaml(nginxRoot: String, socket: String) -> String {
            """
              - name: \(name)
                certificate: \(leaf.pemPath)
                nginx:
                  staple_file: \(stapleFile)
                  include_file: \(includeFile)
                  reload: nginx -p \(nginxRoot) -c \(nginxRoot)/nginx.conf -s reload
                  confirm: 127.0.0.1:\(nginxPort)
                  server_name: \(serverName)
                haproxy:
                  crt: \(crt)
                  socket: \(socket)

            """
        }
    }

    @Test(
        "two sites in one YAML: nginx and HAProxy staple good responses for each certificate from the first connection; the reload is confirmed, the push taken; SIGTERM exits 0 and leaves no temporary file"
    )
    func nginxAndHAProxyStapledBySupervisedRun() async throws {
        let pki = try TestPKI(name: "run-e2e")
        defer { pki.remove() }
        let responderPort = try SystemTools.freePort()
        let staples = pki.path("staples")
        let certificates = pki.path("hap")
        for directory in [staples, certificates] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // Issued before the responder starts: `openssl ocsp` reads its index once.
        let sites = try ["www", "api"].map { name in
            let leaf = try pki.issue(
                commonName: "\(name).test", fileName: name, ocspURLs: ["http://127.0.0.1:\(responderPort)/"])
            let crt = "\(certificates)/\(name).pem"
            try (String(contentsOfFile: leaf.pemPath, encoding: .utf8) + leaf.keyPEM).write(
                toFile: crt, atomically: true, encoding: .utf8)
            return Site(
                name: name, leaf: leaf, nginxPort: try SystemTools.freePort(),
                stapleFile: "\(staples)/\(name).der", includeFile: "\(staples)/\(name).conf", crt: crt)
        }
        let responder = try await OpenSSLResponder(pki: pki, port: responderPort)
        defer { responder.stop() }

        let nginxRoot = pki.path("nginx")
        let socket = pki.path("admin.sock")
        let metricsPort = try SystemTools.freePort()
        let config = pki.path("staple.yaml")
        try """
        state_directory: \(pki.path("state"))
        metrics_listen: 127.0.0.1:\(metricsPort)
        certificate_poll_interval: 1
        sites:
        \(sites.map { $0.yaml(nginxRoot: nginxRoot, socket: socket) }.joined())
        """.write(toFile: config, atomically: true, encoding: .utf8)

        // staple run starts before the servers, as its systemd unit does (Before=nginx haproxy): it
        // writes each snippet ("off" until a staple is had), then the staple files and the .ocsp
        // files the servers read when they start.
        let run = try await ListeningProcess(
            SystemTools.stapleBinary, ["run", "--config", config, "--log-level", "info"], port: metricsPort,
            logPath: pki.path("run.log"), stopSignal: SIGTERM)
        defer { run.stop() }
        let written = await eventually(within: 120) {
            sites.allSatisfy { site in
                [site.stapleFile, site.crt + ".ocsp"].allSatisfy { file in
                    guard let bytes = FileManager.default.contents(atPath: file) else { return false }
                    return Self.isGood(Array(bytes), for: site, pki)
                }
            }
        }
        #expect(written, "\(run.log)")

        let nginx = try await NginxProcess(
            root: nginxRoot, port: sites[0].nginxPort, workers: 2, http: sites.map { $0.server() }.joined())
        defer { nginx.stop() }
        let haproxyPort = try SystemTools.freePort()
        let haproxy = try await HAProxyProcess(root: pki.directory, port: haproxyPort, crt: certificates)
        defer { haproxy.stop() }

        // The first connections after each start: two per site to nginx (one per worker), one to HAProxy.
        for site in sites {
            for connection in 1...2 {
                let seen = try OpenSSLStapleClient.connect(port: site.nginxPort, serverName: site.serverName)
                expectGoodStaple(seen, site, pki, "nginx, \(site.name), connection \(connection)\n\(nginx.errorLog)")
            }
            let seen = try OpenSSLStapleClient.connect(port: haproxyPort, serverName: site.serverName)
            expectGoodStaple(seen, site, pki, "HAProxy, \(site.name)\n\(haproxy.log)")
        }

        // The reload that failed while nginx was not running is retried and confirmed; the pushes
        // that found no HAProxy are retried and taken: staple run then reports both sites stapled.
        let base = "http://127.0.0.1:\(metricsPort)"
        let stapled = await eventually(within: 120) {
            guard let body = try? await StatusClient.get(base + "/status").body,
                let status = try? RunStatus.decode(body)
            else { return false }
            return status.sites.count == 2 && status.sites.allSatisfy(\.stapled)
        }
        #expect(stapled, "\(run.log)")
        let table = try StapleBinary.run(["status", "--url", base])
        #expect(table.status == 0, "\(table)")
        let settled = await eventually(within: 120) {
            guard let body = try? await StatusClient.get(base + "/metrics").body else { return false }
            let metrics = String(decoding: body, as: UTF8.self)
            return metrics.contains(#"staple_run_reloads_total{outcome="confirmed"}"#)
                && metrics.contains(#"staple_run_pushes_total{outcome="updated"} 2"#)
        }
        #expect(settled, "\(run.log)")
        for site in sites {
            let nginxSeen = try OpenSSLStapleClient.connect(port: site.nginxPort, serverName: site.serverName)
            expectGoodStaple(nginxSeen, site, pki, "nginx after the reload, \(site.name)")
            let haproxySeen = try OpenSSLStapleClient.connect(port: haproxyPort, serverName: site.serverName)
            expectGoodStaple(haproxySeen, site, pki, "HAProxy after the push, \(site.name)")
        }

        #expect(run.stop() == 0, "SIGTERM: exit 0\n\(run.log)")
        #expect(run.log.contains("staple run stopped"), "\(run.log)")
        let expected = Set(sites.flatMap { [$0.name + ".der", $0.name + ".conf"] })
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: staples)) == expected, "nothing else")
        let haproxyFiles = Set(sites.flatMap { [$0.name + ".pem", $0.name + ".pem.ocsp"] })
        #expect(
            Set(try FileManager.default.contentsOfDirectory(atPath: certificates)) == haproxyFiles,
            "nothing else (no .issuer: the chain has it)")
        let state = try FileManager.default.contentsOfDirectory(atPath: pki.path("state"))
        #expect(!state.contains { $0.contains(".tmp") }, "no temporary file in the state directory: \(state)")
    }

    /// Whether the verifier judges `der` good for `site`'s certificate now.
    static func isGood(_ der: [UInt8], for site: Site, _ pki: TestPKI) -> Bool {
        OCSPVerifier().verify(response: der, certificate: site.leaf.certificate, issuer: pki.ca, now: Date()).verdict
            == .good
    }

    /// The staple of `seen` is a successful response for `site`'s certificate, judged good by the
    /// verifier, and OpenSSL read the same serial and status from it.
    func expectGoodStaple(
        _ seen: OpenSSLStapleClient, _ site: Site, _ pki: TestPKI, _ context: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let der = seen.der else {
            Issue.record("no staple: \(context)\n\(seen.text)", sourceLocation: sourceLocation)
            return
        }
        #expect(Self.isGood(der, for: site, pki), "\(context)", sourceLocation: sourceLocation)
        #expect(seen.stapled && seen.serial == site.leaf.serialHex, "\(context)", sourceLocation: sourceLocation)
        #expect(seen.certStatus == "good", "\(context)", sourceLocation: sourceLocation)
    }
}
