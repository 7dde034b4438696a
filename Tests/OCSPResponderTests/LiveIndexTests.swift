import Foundation
import OCSPCore
import OCSPResponder
import Testing
import X509
import StapleTestSupport

/// A change to index.txt is answered without a restart; a broken one is refused and logged.
@Suite("live index")
struct LiveIndexTests {
    /// Our verifier's verdict on a POST for `leaf`, straight over a socket.
    static func verdict(_ responder: RunningResponder, _ ca: OpenSSLCA, _ leaf: String) throws -> OCSPVerdict {
        let issuer = try ca.certificate(ca.caPath)
        let certificate = try ca.certificate(leaf)
        let request = try OCSPRequest(
            tbsRequest: TBSRequest(requestList: [Request(reqCert: try CertID(certificate: certificate, issuer: issuer))]
            )
        ).derBytes()
        let http = try RawHTTPConnection(port: responder.port).request(
            "POST", "/", headers: [("Content-Type", "application/ocsp-request")], body: request)
        return OCSPVerifier().verify(response: http.body, certificate: certificate, issuer: issuer, now: Date()).verdict
    }

    static func openssl(_ responder: RunningResponder, _ ca: OpenSSLCA, _ leaf: String) throws -> SystemTools.Execution {
        try SystemTools.execute(
            "openssl", ["ocsp", "-url", responder.url, "-issuer", ca.caPath, "-cert", leaf, "-CAfile", ca.caPath])
    }

    @Test func aRevocationByOpenSSLCaFlipsTheAnswerWithinTwoSeconds() async throws {
        let ca = try OpenSSLCA(name: "live")
        defer { ca.remove() }
        let leaf = try ca.issue("leaf")
        let responder = try await RunningResponder([ca.files])
        #expect(try Self.openssl(responder, ca, leaf).stdout.contains("\(leaf): good"))

        try ca.revoke(leaf, reason: "superseded")
        let flipped = try await eventually(within: 2) {
            try Self.openssl(responder, ca, leaf).stdout.contains("\(leaf): revoked")
        }
        #expect(flipped, "not revoked within 2 s of `openssl ca -revoke`")
        let result = try Self.openssl(responder, ca, leaf)
        #expect(result.stdout.contains("Reason: superseded"), "\(result)")
        #expect(responder.log.text.contains("index reloaded"))
        #expect(responder.log.text.contains(try ca.serialHex(leaf)), "the log names the serial: \(responder.log.text)")

        // A certificate issued while running is answered good, not unknown.
        let newcomer = try ca.issue("newcomer")
        let known = try await eventually(within: 2) {
            try Self.verdict(responder, ca, newcomer) == .good
        }
        #expect(known, "a new certificate was not answered good within 2 s")
        await responder.stop()
    }

    @Test func aTruncatedIndexKeepsThePreviousAnswersAndIsLogged() async throws {
        let ca = try OpenSSLCA(name: "truncated")
        defer { ca.remove() }
        let first = try ca.issue("first")
        let second = try ca.issue("second")
        let responder = try await RunningResponder([ca.files])
        #expect(try Self.verdict(responder, ca, second) == .good)

        // A half-written index: the revocation of `second` is in it, but the file stops mid-line.
        // The revoked index is made here, not by `openssl ca -revoke`, which would write it whole
        // first and let the watcher take it before the truncated write (seen under CI's load).
        let full = try String(contentsOfFile: ca.indexPath, encoding: .utf8)
        let serial = try ca.serialHex(second)
        let revoked = full.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 6, fields[0] == "V", fields[3].uppercased() == serial.uppercased() else { return String(line) }
            return (["R", fields[1], "261201000000Z"] + fields[3...]).joined(separator: "\t")
        }.joined(separator: "\n")
        #expect(revoked != full, "the index names \(serial): \(full)")
        try String(revoked.dropLast(15)).write(toFile: ca.indexPath, atomically: false, encoding: .utf8)
        let logged = await eventually { responder.log.text.contains("index not reloaded") }
        #expect(logged, "the broken index was not logged: \(responder.log.text)")
        #expect(responder.log.text.contains("\(ca.indexPath):2"), "the log names the line: \(responder.log.text)")
        #expect(try Self.verdict(responder, ca, first) == .good)
        #expect(try Self.verdict(responder, ca, second) == .good, "the previous index stays in service")
        #expect(!full.isEmpty)

        // Written completely, it is taken.
        try revoked.write(toFile: ca.indexPath, atomically: true, encoding: .utf8)
        let flipped = try await eventually(within: 2) {
            if case .revoked = try Self.verdict(responder, ca, second) { return true }
            return false
        }
        #expect(flipped)
        await responder.stop()
    }
}
