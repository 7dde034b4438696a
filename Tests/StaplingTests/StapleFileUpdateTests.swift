import Foundation
import OCSPCore
import OCSPFetching
import StapleTestSupport
import Testing

@testable import Stapling

/// `staple fetch`'s logic against a real `openssl ocsp -index` responder.
@Suite(.enabled(if: opensslTestsEnabled, Comment(rawValue: opensslMissingReason)))
struct StapleFileUpdateOpenSSLTests {
    @Test(arguments: [OCSPHashAlgorithm.sha1, .sha256])
    func goodIsWrittenRevokedAndUnknownAreNot(hash: OCSPHashAlgorithm) async throws {
        let pki = try TestPKI(name: "file")
        defer { pki.remove() }
        let good = try pki.issue()
        let revoked = try pki.issue(status: .revoked(Date().addingTimeInterval(-7200)))
        let unknown = try pki.issue(status: .absent)
        try await withOpenSSLResponder(pki: pki) { responder in
            try await withStapleFetch { fetch in
                let out = "\(pki.directory)/good.ocsp"
                let written = await StapleFileUpdate.run(
                    path: out, certificate: good.certificate, issuer: pki.ca, responderURLs: [responder.url()],
                    hash: hash, fetch: fetch)
                #expect(written.status == .written, "\(written.message)")
                let bytes = try #require(fileBytes(out))
                let verification = OCSPVerifier().verify(
                    response: bytes, certificate: good.certificate, issuer: pki.ca, now: Date())
                #expect(verification.verdict == .good)
                #expect(verification.isStapleable)

                // Asking again within the same second gives the same thisUpdate: already current, kept.
                let again = await StapleFileUpdate.run(
                    path: out, certificate: good.certificate, issuer: pki.ca, responderURLs: [responder.url()],
                    hash: hash, fetch: fetch)
                #expect([.alreadyCurrent, .written].contains(again.status), "\(again.message)")

                for (leaf, status) in [(revoked, StapleFileUpdate.Status.revoked), (unknown, .notGood)] {
                    let path = "\(pki.directory)/\(leaf.serialHex).ocsp"
                    let report = await StapleFileUpdate.run(
                        path: path, certificate: leaf.certificate, issuer: pki.ca, responderURLs: [responder.url()],
                        hash: hash, fetch: fetch)
                    #expect(report.status == status, "\(report.message)")
                    #expect(report.message.contains(leaf.serialHex) && report.message.contains(responder.url()))
                    #expect(!FileManager.default.fileExists(atPath: path))
                }
            }
        }
    }

    @Test func theAIAURLIsUsedWhenNoOverrideIsGiven() async throws {
        let port = try SystemTools.freePort()
        let pki = try TestPKI(name: "aia")
        defer { pki.remove() }
        let leaf = try pki.issue(ocspURLs: ["http://127.0.0.1:\(port)/"])
        try await withOpenSSLResponder(pki: pki, port: port) { _ in
            try await withStapleFetch { fetch in
                let report = await StapleFileUpdate.run(
                    path: "\(pki.directory)/aia.ocsp", certificate: leaf.certificate, issuer: pki.ca,
                    responderURLs: nil, hash: .sha1, fetch: fetch)
                #expect(report.status == .written, "\(report.message)")
                #expect(report.responderURL == "http://127.0.0.1:\(port)/")
            }
        }
    }
}

/// Faults: each leaves the previous good staple byte-for-byte intact and names responder, serial and reason.
@Suite struct StapleFileFaultTests {
    struct Fixture {
        let pki: TestPKI
        let leaf: TestPKI.Leaf
        let other: TestPKI.Leaf
        let path: String
        let previous: [UInt8]

        init() throws {
            pki = try TestPKI(name: "fault")
            leaf = try pki.issue()
            other = try pki.issue()
            path = "\(pki.directory)/site.ocsp"
            // The previous good staple: an hour old, valid for a day.
            let thisUpdate = Date().addingTimeInterval(-3600)
            previous = try pki.signedResponse(
                for: leaf.certificate, thisUpdate: thisUpdate, nextUpdate: thisUpdate.addingTimeInterval(86_400))
            try Data(previous).write(to: URL(fileURLWithPath: path))
        }
    }

    /// Runs the update against `url` (or a test server doing `action`) and checks the file is intact.
    func expectIntact(
        _ fixture: Fixture, status: StapleFileUpdate.Status, reason: String, attemptTimeout: TimeInterval = 10,
        maximumResponseSize: Int = 65_536,
        action: (@Sendable (Fixture) throws -> TestHTTPAction)? = nil, url: String? = nil
    ) async throws {
        defer { fixture.pki.remove() }
        let action = try action.map { try $0(fixture) }
        let run: @Sendable (String) async throws -> StapleFileUpdate = { responder in
            try await withStapleFetch(attemptTimeout: attemptTimeout, maximumResponseSize: maximumResponseSize) {
                fetch in
                await StapleFileUpdate.run(
                    path: fixture.path, certificate: fixture.leaf.certificate, issuer: fixture.pki.ca,
                    responderURLs: [responder], hash: .sha1,
                    fetch: fetch)
            }
        }
        let report: StapleFileUpdate
        let responder: String
        if let action {
            (report, responder) = try await withTestHTTPServer(handler: { _ in action }) { server in
                (try await run(server.url(path: "/ocsp")), server.url(path: "/ocsp"))
            }
        } else {
            responder = try #require(url)
            report = try await run(responder)
        }
        #expect(report.status == status, "\(report.message)")
        #expect(fileBytes(fixture.path) == fixture.previous, "the previous staple must be byte-for-byte intact")
        #expect(report.message.contains(responder), "names the responder: \(report.message)")
        #expect(report.message.contains(fixture.leaf.serialHex), "names the serial: \(report.message)")
        #expect(report.message.contains(reason), "gives the reason '\(reason)': \(report.message)")
        #expect(report.existingThisUpdate != nil)
    }

    @Test func responderNotListening() async throws {
        let closed = try ClosedPort()
        defer { withExtendedLifetime(closed) {} }
        let port = closed.port
        try await expectIntact(
            try Fixture(), status: .network, reason: "connection-failed", url: "http://127.0.0.1:\(port)/")
    }

    @Test func responderAcceptsAndNeverAnswers() async throws {
        try await expectIntact(
            try Fixture(), status: .network, reason: "timed-out", attemptTimeout: 0.5, action: { _ in .hang })
    }

    @Test func garbageBody() async throws {
        try await expectIntact(
            try Fixture(), status: .notGood, reason: "malformed",
            action: { _ in .ocsp(Array("<html>garbage</html>".utf8)) })
    }

    @Test func http500() async throws {
        try await expectIntact(
            try Fixture(), status: .network, reason: "HTTP 500",
            action: { _ in
                .respond(status: 500, headers: [("Content-Type", "text/plain")], body: Array("internal error".utf8))
            })
    }

    @Test func tryLater() async throws {
        try await expectIntact(
            try Fixture(), status: .notGood, reason: "tryLater",
            action: { _ in
                .ocsp(try OCSPResponseSigner.unsuccessful(.tryLater))
            })
    }

    @Test func responseForAnotherCertificate() async throws {
        try await expectIntact(
            try Fixture(), status: .notGood, reason: "another certificate",
            action: { fixture in
                .ocsp(
                    try fixture.pki.signedResponse(
                        for: fixture.other.certificate, thisUpdate: Date(),
                        nextUpdate: Date().addingTimeInterval(86_400)))
            })
    }

    @Test func expiredResponse() async throws {
        try await expectIntact(
            try Fixture(), status: .notGood, reason: "expired",
            action: { fixture in
                .ocsp(
                    try fixture.pki.signedResponse(
                        for: fixture.leaf.certificate, thisUpdate: Date().addingTimeInterval(-2 * 86_400),
                        nextUpdate: Date().addingTimeInterval(-86_400)))
            })
    }

    @Test func bodyOverTheCap() async throws {
        try await expectIntact(
            try Fixture(), status: .network, reason: "body-too-large", maximumResponseSize: 4096,
            action: { _ in
                .ocsp([UInt8](repeating: 0x30, count: 4097))
            })
    }

    @Test func anOlderGoodResponseDoesNotReplaceANewerOne() async throws {
        try await expectIntact(
            try Fixture(), status: .alreadyCurrent, reason: "not newer",
            action: { fixture in
                let thisUpdate = Date().addingTimeInterval(-7200)
                return .ocsp(
                    try fixture.pki.signedResponse(
                        for: fixture.leaf.certificate, thisUpdate: thisUpdate,
                        nextUpdate: thisUpdate.addingTimeInterval(86_400)))
            })
    }
}
