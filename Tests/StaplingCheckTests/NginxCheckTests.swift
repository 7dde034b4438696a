import Foundation
import OCSPCore
import StapleTestSupport
import SwiftASN1
import Testing

/// Whether the tests against Debian's nginx run (under CI=true a missing tool fails them instead).
let nginxAvailable = SystemTools.shouldRun(needing: "nginx", "openssl")
let nginxMissing =
    "needs nginx and openssl (apt-get install nginx openssl); under CI=true it fails instead"

/// `staple check` against Debian's nginx: lazy fetching with `ssl_stapling on`, and the
/// `ssl_stapling_file` staples nginx serves without looking at them.
@Suite("check against nginx", .enabled(if: nginxAvailable, Comment(rawValue: nginxMissing)))
struct NginxCheckTests {
    @Test("--connections 4 against ssl_stapling on with 2 workers: first unstapled, later stapled, lazy fetching")
    func lazyFetching() async throws {
        let pki = try TestPKI(name: "check-nginx-lazy")
        defer { pki.remove() }
        let responderPort = try SystemTools.freePort()
        let leaf = try pki.issue(commonName: "lazy.test", ocspURLs: ["http://127.0.0.1:\(responderPort)/"])
        try await withOpenSSLResponder(pki: pki, port: responderPort) { responder in
            let port = try SystemTools.freePort()
            let nginx = try await NginxProcess(
                root: pki.directory, port: port, workers: 2,
                http: """
                        server {
                            listen 127.0.0.1:\(port) ssl;
                            server_name lazy.test;
                            ssl_protocols TLSv1.2 TLSv1.3;
                            ssl_certificate \(leaf.pemPath);
                            ssl_certificate_key \(leaf.keyPath);
                            ssl_stapling on;
                            return 200 "ok";
                        }
                    """)
            defer { nginx.stop() }
            let run = try CheckCommand.run([
                "lazy.test:\(port)", "--connect", "127.0.0.1", "--ca-file", pki.caPath, "--connections", "4",
                "--interval", "0.5",
            ])
            #expect(run.status == 1, "\(run.context)\n\(nginx.errorLog)\n\(responder.log)")
            let deployment = try #require(run.deployment("ecdsa"), "\(run.context)")
            #expect(deployment.handshakes.count == 8, "4 rounds of TLS 1.3 and 1.2")
            #expect(deployment.handshakes.first?.stapled == false, "nginx has no staple before a first handshake")
            #expect(deployment.handshakes.contains { $0.stapled }, "\(run.context)")
            let lazy = try #require(deployment.finding("lazy-fetching"), "\(run.context)")
            #expect(lazy.severity == "warning")
            #expect(lazy.seen.contains("lazy fetching"))
            #expect(lazy.fix.contains("ssl_stapling_file"))
            #expect(deployment.staple?.verdict == "good")
        }
    }

    @Test("ssl_stapling_file: expired, another certificate's, revoked, one file for RSA and ECDSA, issuer not sent")
    func stapleFiles() async throws {
        let pki = try TestPKI(name: "check-nginx-files")
        defer { pki.remove() }
        let now = Date()
        let url = "http://127.0.0.1:9/"
        func file(_ name: String, _ bytes: [UInt8]) throws -> String {
            try pki.write(bytes, to: name)
            return pki.path(name)
        }
        let expired = try pki.issue(commonName: "expired.test", fileName: "expired", ocspURLs: [url])
        let expiredStaple = try file(
            "expired.der",
            try pki.signedResponse(for: expired.certificate, thisUpdate: now - 2 * 86_400, nextUpdate: now - 86_400))
        let foreign = try pki.issue(commonName: "foreign.test", fileName: "foreign", ocspURLs: [url])
        let renewed = try pki.issue(commonName: "foreign.test", fileName: "renewed", ocspURLs: [url])
        let foreignStaple = try file("foreign.der", try pki.signedResponse(for: renewed.certificate))
        let revoked = try pki.issue(commonName: "revoked.test", fileName: "revoked", ocspURLs: [url])
        let revokedStaple = try file(
            "revoked.der",
            try pki.signedResponse(
                for: revoked.certificate, status: .revoked(time: try GeneralizedTime(now - 3600), reason: nil)))
        let ecdsa = try pki.issue(commonName: "dual.test", fileName: "dual-ecdsa", keyType: .p256, ocspURLs: [url])
        let rsa = try pki.issue(commonName: "dual.test", fileName: "dual-rsa", keyType: .rsa, ocspURLs: [url])
        let sharedStaple = try file("shared.der", try pki.signedResponse(for: ecdsa.certificate))
        // Issued by an intermediate the server does not send: clients cannot check the staple.
        let intermediate = try pki.intermediate(name: "sub")
        let orphan = try intermediate.issue(commonName: "orphan.test", fileName: "orphan", ocspURLs: [url])
        try orphan.pem.write(toFile: intermediate.path("orphan-alone.pem"), atomically: true, encoding: .utf8)
        let orphanStaple = try file("orphan.der", try intermediate.signedResponse(for: orphan.certificate))
        let port = try SystemTools.freePort()
        // Its own port: nginx settles the protocol versions by the default server of a port.
        let tls12Port = try SystemTools.freePort()
        func server(_ name: String, _ leaf: TestPKI.Leaf, _ staple: String) -> String {
            NginxProcess.stapledServer(
                port: port, chainPath: leaf.pemPath, keyPath: leaf.keyPath, staplePath: staple,
                body: "server_name \(name); return 200 \"ok\";")
        }
        let nginx = try await NginxProcess(
            root: pki.directory, port: port,
            http: [
                server("expired.test", expired, expiredStaple), server("foreign.test", foreign, foreignStaple),
                server("revoked.test", revoked, revokedStaple),
                NginxProcess.stapledServer(
                    port: port, chainPath: intermediate.path("orphan-alone.pem"), keyPath: orphan.keyPath,
                    staplePath: orphanStaple, body: "server_name orphan.test; return 200 \"ok\";"),
                """
                    server {
                        listen 127.0.0.1:\(port) ssl;
                        server_name dual.test;
                        ssl_protocols TLSv1.2 TLSv1.3;
                        ssl_certificate \(ecdsa.pemPath);
                        ssl_certificate_key \(ecdsa.keyPath);
                        ssl_certificate \(rsa.pemPath);
                        ssl_certificate_key \(rsa.keyPath);
                        ssl_stapling on;
                        ssl_stapling_file \(sharedStaple);
                        return 200 "ok";
                    }
                    server {
                        listen 127.0.0.1:\(tls12Port) ssl;
                        ssl_protocols TLSv1.2;
                        ssl_certificate \(expired.pemPath);
                        ssl_certificate_key \(expired.keyPath);
                        return 200 "ok";
                    }
                """,
            ].joined(separator: "\n"))
        try await Listening.wait(port: tls12Port, what: "nginx")
        defer { nginx.stop() }
        let run = try CheckCommand.run(
            ["expired.test", "foreign.test", "revoked.test", "dual.test", "orphan.test"].map { "\($0):\(port)" } + [
                "--connect", "127.0.0.1", "--ca-file", pki.caPath,
            ])
        #expect(run.status == 2, "\(run.context)")
        let targets = try #require(run.report?.targets, "\(run.context)")
        #expect(
            targets.map(\.target)
                == ["expired.test", "foreign.test", "revoked.test", "dual.test", "orphan.test"].map { "\($0):\(port)" })

        let expiredFinding = try #require(targets[0].deployments.first?.finding("staple-expired"), "\(run.context)")
        #expect(expiredFinding.severity == "critical")
        #expect(expiredFinding.check == "next-update")
        #expect(targets[0].deployments.first?.handshakes.allSatisfy { $0.stapled } == true, "nginx serves it")

        let foreignFinding = try #require(
            targets[1].deployments.first?.finding("staple-for-another-certificate"), "\(run.context)")
        #expect(foreignFinding.severity == "critical")
        #expect(foreignFinding.seen.contains(renewed.serialHex) && foreignFinding.seen.contains(foreign.serialHex))

        #expect(targets[2].deployments.first?.finding("staple-revoked")?.severity == "critical", "\(run.context)")

        let dual = targets[3].deployments
        #expect(dual.map(\.keyType) == ["ecdsa", "rsa"], "\(run.context)")
        #expect(dual.first?.ids == ["staple-valid"])
        let shared = try #require(dual.last?.finding("staple-for-another-certificate"), "\(run.context)")
        #expect(shared.severity == "critical")
        #expect(shared.seen.contains(ecdsa.serialHex) && shared.seen.contains(rsa.serialHex))
        #expect(targets[3].status == "critical")

        let orphanFinding = try #require(targets[4].deployments.first?.finding("issuer-missing"), "\(run.context)")
        #expect(orphanFinding.severity == "critical")
        #expect(orphanFinding.fix.contains("intermediate"))

        // A TLS alert on every offer (TLS 1.3 asked of a TLS 1.2 server): UNKNOWN, saying so.
        let alert = try CheckCommand.run(["127.0.0.1:\(tls12Port)", "--tls1_3", "--ca-file", pki.caPath])
        #expect(alert.status == 3, "\(alert.context)")
        #expect(alert.report?.targets.first?.error?.code == "handshake-failed", "\(alert.context)")
        #expect(alert.report?.targets.first?.error?.message.contains("alert") == true, "\(alert.context)")
    }

    @Test("--fetch: a good staple for a certificate the responder now says is revoked is critical")
    func fetchRevoked() async throws {
        let pki = try TestPKI(name: "check-nginx-fetch")
        defer { pki.remove() }
        let responderPort = try SystemTools.freePort()
        let leaf = try pki.issue(
            commonName: "fetch.test", ocspURLs: ["http://127.0.0.1:\(responderPort)/"],
            status: .revoked(Date() - 600))
        // Stapled while still good; the responder, started from the index, now says revoked.
        try pki.write(try pki.signedResponse(for: leaf.certificate, thisUpdate: Date() - 3600), to: "good.der")
        try await withOpenSSLResponder(pki: pki, port: responderPort) { responder in
            let port = try SystemTools.freePort()
            let nginx = try await NginxProcess(
                root: pki.directory, port: port,
                http: NginxProcess.stapledServer(
                    port: port, chainPath: leaf.pemPath, keyPath: leaf.keyPath, staplePath: pki.path("good.der"),
                    body: #"return 200 "ok";"#))
            defer { nginx.stop() }
            let arguments = ["fetch.test:\(port)", "--connect", "127.0.0.1", "--ca-file", pki.caPath, "--tls1_3"]
            let without = try CheckCommand.run(arguments)
            #expect(without.status == 0, "without --fetch the staple looks fine: \(without.context)")
            let run = try CheckCommand.run(arguments + ["--fetch"])
            #expect(run.status == 2, "\(run.context)\n\(responder.log)")
            let finding = try #require(run.deployment("ecdsa")?.finding("responder-revoked"), "\(run.context)")
            #expect(finding.severity == "critical")
            #expect(finding.seen.contains("the staple says good"))
        }
    }
}
