import StapleTestSupport
import Foundation
import OCSPCore
import TLSStapling
import Testing

/// Our client role against Debian's nginx, configured by the test with `ssl_stapling_file`.
let nginxTestsEnabled = SystemTools.shouldRun(needing: "nginx", "openssl", "ss")
let nginxMissingReason =
    "needs nginx, openssl and ss (apt-get install nginx openssl iproute2); under CI=true it fails instead"

@Suite("client role against nginx", .enabled(if: nginxTestsEnabled, Comment(rawValue: nginxMissingReason)))
struct NginxClientTests {
    @Test("reads the staple nginx sends, byte for byte, in TLS 1.2 and 1.3")
    func readsNginxStaple() async throws {
        guard
            let nginx = SystemTools.which("nginx")
                ?? ["/usr/sbin/nginx"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else {
            Issue.record("nginx is not installed: apt-get install nginx")
            return
        }
        let pki = try TestPKI(name: "nginx-client")
        defer { pki.remove() }
        let leaf = try pki.issue(ocspURLs: ["http://127.0.0.1:9/"])
        let staple = try pki.signedResponse(for: leaf.certificate, thisUpdate: Date() - 60, nextUpdate: Date() + 86_400)
        let staplePath = "\(pki.directory)/staple.der"
        try Data(staple).write(to: URL(fileURLWithPath: staplePath))
        let port = try SystemTools.freePort()
        let root = pki.directory
        for directory in ["logs", "tmp"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(directory)", withIntermediateDirectories: true)
        }
        let configuration = """
            daemon off;
            master_process off;
            pid \(root)/nginx.pid;
            error_log \(root)/logs/error.log;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(root)/tmp/body;
                proxy_temp_path \(root)/tmp/proxy;
                fastcgi_temp_path \(root)/tmp/fastcgi;
                uwsgi_temp_path \(root)/tmp/uwsgi;
                scgi_temp_path \(root)/tmp/scgi;
                server {
                    listen 127.0.0.1:\(port) ssl;
                    ssl_protocols TLSv1.2 TLSv1.3;
                    ssl_certificate \(leaf.pemPath);
                    ssl_certificate_key \(leaf.keyPath);
                    ssl_stapling on;
                    ssl_stapling_file \(staplePath);
                    return 200 "ok";
                }
            }
            """
        try configuration.write(toFile: "\(root)/nginx.conf", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: nginx)
        process.arguments = ["-p", root, "-c", "\(root)/nginx.conf"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        var listening = false
        for _ in 0..<600 where !listening {
            listening = ((try? SystemTools.run("ss", ["-ltnH", "sport = :\(port)"])) ?? "").contains(":\(port)")
            if !listening { usleep(50_000) }
        }
        #expect(
            listening,
            "nginx did not listen: \((try? String(contentsOfFile: "\(root)/logs/error.log", encoding: .utf8)) ?? "")")
        for version in [TLSVersion.tls12, .tls13] {
            let result = try await TLSTestClient.connect(port: port, version: version)
            #expect(result.handshake?.stapledResponse == staple, "\(version)")
            #expect(result.handshake?.peerCertificateChain.first == CertificateLoading.derBytes(leaf.certificate))
        }
    }
}
