import Foundation
import StapleTestSupport
import Testing

/// `staple check` against `staple serve` (the built binaries, as processes) and `openssl ocsp`.
@Suite("check against staple serve", .enabled(if: opensslTestsEnabled, Comment(rawValue: opensslMissingReason)))
struct ServeCheckTests {
    @Test("OK on the very first connection, TLS 1.3 and 1.2, both deployments of an RSA + ECDSA name")
    func firstConnectionBothDeployments() async throws {
        let pki = try TestPKI(name: "check-serve")
        defer { pki.remove() }
        let echo = try await EchoServer()
        let port = try SystemTools.freePort()
        let url = "http://127.0.0.1:\(port)/"
        let ecdsa = try pki.issue(commonName: "dual.test", fileName: "ecdsa", keyType: .p256, ocspURLs: [url])
        let rsa = try pki.issue(commonName: "dual.test", fileName: "rsa", keyType: .rsa, ocspURLs: [url])
        try await withOpenSSLResponder(pki: pki, port: port) { _ in
            let serve = try await ServeProcess(
                [
                    "--cert", ecdsa.pemPath, "--key", ecdsa.keyPath, "--cert", rsa.pemPath, "--key", rsa.keyPath,
                    "--backend", "127.0.0.1:\(echo.port)",
                ], directory: pki.directory)
            defer { serve.stop() }
            // Nothing has connected to serve yet (ListeningProcess waits with ss): this is the first.
            let run = try CheckCommand.run([
                "dual.test:\(serve.port)", "--connect", "127.0.0.1", "--ca-file", pki.caPath,
            ])
            #expect(run.status == 0, "\(run.context)")
            #expect(run.report?.status == "ok")
            for (keyType, leaf) in [("ecdsa", ecdsa), ("rsa", rsa)] {
                let deployment = try #require(run.deployment(keyType), "\(keyType): \(run.context)")
                #expect(deployment.serial == leaf.serialHex)
                #expect(deployment.ids == ["staple-valid"], "\(keyType): \(run.context)")
                #expect(deployment.handshakes.map(\.version) == ["TLSv1.3", "TLSv1.2"])
                #expect(deployment.handshakes.allSatisfy { $0.stapled })
                #expect(deployment.handshakes.first?.number == (keyType == "ecdsa" ? 1 : 3))
                #expect(deployment.staple?.verdict == "good")
                #expect(deployment.staple?.serials == [leaf.serialHex])
            }
        }
        await echo.stop()
    }

    @Test("Must-Staple without a staple is critical, without Must-Staple a warning, no OCSP URL OK")
    func missingStaples() async throws {
        let pki = try TestPKI(name: "check-missing")
        defer { pki.remove() }
        let echo = try await EchoServer()
        // The responder the certificates name never listens: serve gets no staple.
        let down = try ClosedPort()
        let url = "http://127.0.0.1:\(down.port)/"
        let must = try pki.issue(commonName: "must.test", fileName: "must", ocspURLs: [url], mustStaple: true)
        let plain = try pki.issue(commonName: "plain.test", fileName: "plain", ocspURLs: [url])
        let bare = try pki.issue(commonName: "bare.test", fileName: "bare")
        let serve = try await ServeProcess(
            [
                "--cert", must.pemPath, "--key", must.keyPath, "--cert", plain.pemPath, "--key", plain.keyPath,
                "--cert", bare.pemPath, "--key", bare.keyPath, "--backend", "127.0.0.1:\(echo.port)",
                "--startup-wait", "1",
            ], directory: pki.directory)
        defer { serve.stop() }
        let common = ["--connect", "127.0.0.1", "--ca-file", pki.caPath]
        let mustRun = try CheckCommand.run(["must.test:\(serve.port)"] + common)
        #expect(mustRun.status == 2, "\(mustRun.context)")
        let mustDeployment = try #require(mustRun.deployment("ecdsa"), "\(mustRun.context)")
        #expect(mustDeployment.mustStaple)
        #expect(mustDeployment.finding("no-staple")?.severity == "critical")
        #expect(mustDeployment.finding("no-staple")?.seen.contains("Must-Staple") == true)

        let plainRun = try CheckCommand.run(["plain.test:\(serve.port)"] + common)
        #expect(plainRun.status == 1, "\(plainRun.context)")
        #expect(plainRun.deployment("ecdsa")?.finding("no-staple")?.severity == "warning")

        let bareRun = try CheckCommand.run(["bare.test:\(serve.port)"] + common)
        #expect(bareRun.status == 0, "\(bareRun.context)")
        let finding = try #require(bareRun.deployment("ecdsa")?.finding("no-ocsp-url"), "\(bareRun.context)")
        #expect(finding.severity == "info")
        #expect(finding.seen.contains("stapling is not possible for this certificate"))

        // The three together: the worst wins, results in input order, and the text report says it.
        let all = try CheckCommand.run(
            ["plain.test:\(serve.port)", "bare.test:\(serve.port)", "must.test:\(serve.port)"] + common + [
                "--perfdata"
            ],
            json: false)
        #expect(all.status == 2, "\(all.context)")
        let first = all.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("STAPLE CHECK CRITICAL - 3 targets"), "\(first)")
        #expect(first.contains("'must.test:\(serve.port) ecdsa stapled_ratio'=0;;;0;1"), "\(first)")
        #expect(all.stdout.contains("fix:"))
        await echo.stop()
    }
}
