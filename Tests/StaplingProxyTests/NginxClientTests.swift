import Foundation
import OCSPCore
import StapleTestSupport
import TLSStapling
import Testing

/// Our client role against Debian's nginx, configured by the test with `ssl_stapling_file`.
let nginxTestsEnabled = SystemTools.shouldRun(needing: "nginx", "openssl")
let nginxMissingReason =
    "needs nginx and openssl (apt-get install nginx openssl); under CI=true it fails instead"

@Suite("client role against nginx", .enabled(if: nginxTestsEnabled, Comment(rawValue: nginxMissingReason)))
struct NginxClientTests {
    @Test("reads the staple nginx sends, byte for byte, in TLS 1.2 and 1.3")
    func readsNginxStaple() async throws {
        let pki = try TestPKI(name: "nginx-client")
        defer { pki.remove() }
        let leaf = try pki.issue(ocspURLs: ["http://127.0.0.1:9/"])
        let staple = try pki.signedResponse(for: leaf.certificate, thisUpdate: Date() - 60, nextUpdate: Date() + 86_400)
        let staplePath = "\(pki.directory)/staple.der"
        try Data(staple).write(to: URL(fileURLWithPath: staplePath))
        let port = try SystemTools.freePort()
        let nginx = try await NginxProcess(
            root: pki.directory, port: port,
            http: NginxProcess.stapledServer(
                port: port, chainPath: leaf.pemPath, keyPath: leaf.keyPath, staplePath: staplePath,
                body: #"return 200 "ok";"#))
        defer { nginx.stop() }
        for version in [TLSVersion.tls12, .tls13] {
            let result = try await TLSTestClient.connect(port: port, version: version)
            #expect(result.handshake?.stapledResponse == staple, "\(version)")
            #expect(result.handshake?.peerCertificateChain.first == CertificateLoading.derBytes(leaf.certificate))
        }
    }
}
