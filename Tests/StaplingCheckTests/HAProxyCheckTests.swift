import Foundation
import StapleTestSupport
import Testing

let haproxyAvailable = SystemTools.shouldRun(needing: "haproxy", "openssl")

/// `staple check` against Debian's HAProxy, which staples a `<crt>.ocsp` without checking its signature.
@Suite(
    "check against HAProxy",
    .enabled(if: haproxyAvailable, "needs haproxy and openssl (apt-get install haproxy openssl)"))
struct HAProxyCheckTests {
    @Test("a .ocsp whose signature is bad is stapled by HAProxy; check says critical, naming the signature check")
    func badSignature() async throws {
        let pki = try TestPKI(name: "check-haproxy")
        defer { pki.remove() }
        let leaf = try pki.issue(commonName: "haproxy.test", fileName: "site", ocspURLs: ["http://127.0.0.1:9/"])
        // HAProxy reads certificate, chain and key from one file, and the staple from <file>.ocsp.
        let bundle = pki.path("bundle.pem")
        try (String(contentsOfFile: leaf.pemPath, encoding: .utf8) + leaf.keyPEM).write(
            toFile: bundle, atomically: true, encoding: .utf8)
        // No embedded certificates: the last bytes are the response's own signature.
        var staple = try pki.signedResponse(for: leaf.certificate)
        staple[staple.count - 3] ^= 0x5A
        try pki.write(staple, to: "bundle.pem.ocsp")
        let port = try SystemTools.freePort()
        let haproxy = try await HAProxyProcess(root: pki.directory, port: port, crt: bundle, runtimeAPI: false)
        defer { haproxy.stop() }
        let run = try CheckCommand.run(["haproxy.test:\(port)", "--connect", "127.0.0.1", "--ca-file", pki.caPath])
        #expect(run.status == 2, "\(run.context)\n\(haproxy.log)")
        let deployment = try #require(run.deployment("ecdsa"), "\(run.context)")
        #expect(deployment.handshakes.allSatisfy { $0.stapled }, "HAProxy staples it: \(run.context)")
        let finding = try #require(deployment.finding("staple-rejected"), "\(run.context)")
        #expect(finding.severity == "critical")
        #expect(finding.check == "signature")
        #expect(finding.reference?.hasPrefix("RFC 6960") == true)
    }
}
