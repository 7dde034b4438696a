import Foundation
import StapleTestSupport
import Testing

/// `staple fetch` as a user runs it, against a real `openssl ocsp` responder.
@Suite("staple fetch", .enabled(if: opensslTestsEnabled, Comment(rawValue: opensslMissingReason)))
struct FetchCommandTests {
    func staple(_ arguments: [String]) throws -> SystemTools.Execution {
        try SystemTools.execute(StapleBinary.url.path, arguments)
    }

    @Test("good: written atomically, exit 0, and staple inspect accepts the file; revoked: exit 1, nothing written")
    func goodAndRevoked() async throws {
        let pki = try TestPKI(name: "cli-fetch")
        defer { pki.remove() }
        let port = try SystemTools.freePort()
        let good = try pki.issue(ocspURLs: ["http://127.0.0.1:\(port)/"])
        let revoked = try pki.issue(ocspURLs: ["http://127.0.0.1:\(port)/"], status: .revoked(Date() - 3_600))
        try await withOpenSSLResponder(pki: pki, port: port) { _ in
            let out = "\(pki.directory)/good.ocsp"
            let fetched = try staple(["fetch", good.pemPath, "-o", out, "--json"])
            #expect(fetched.status == 0, "\(fetched.combined)")
            let document = try JSONSerialization.jsonObject(with: Data(fetched.stdout.utf8)) as? [String: Any]
            #expect(document?["exitCode"] as? Int == 0)
            #expect(FileManager.default.fileExists(atPath: out))
            let inspected = try staple(["inspect", out, "--cert", good.pemPath])
            #expect(inspected.status == 0, "\(inspected.combined)")

            let refused = "\(pki.directory)/revoked.ocsp"
            let judged = try staple(["fetch", revoked.pemPath, "-o", refused])
            #expect(judged.status == 1)
            #expect(judged.combined.contains(revoked.serialHex))
            #expect(!FileManager.default.fileExists(atPath: refused))
        }
    }

    @Test("responder not listening: exit 3, the message names responder and serial, the old staple is intact")
    func notListening() async throws {
        let pki = try TestPKI(name: "cli-fetch-down")
        defer { pki.remove() }
        let port = try SystemTools.freePort()
        let leaf = try pki.issue(ocspURLs: ["http://127.0.0.1:\(port)/"])
        let out = "\(pki.directory)/leaf.ocsp"
        try await withOpenSSLResponder(pki: pki, port: port) { _ in
            let first = try staple(["fetch", leaf.pemPath, "-o", out])
            #expect(first.status == 0)
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: out))
        let closed = try ClosedPort()
        let failed = try staple(["fetch", leaf.pemPath, "-o", out, "--url", "http://127.0.0.1:\(closed.port)/"])
        #expect(failed.status == 3)
        #expect(
            failed.combined.contains("127.0.0.1:\(closed.port)") && failed.combined.contains(leaf.serialHex),
            "\(failed.combined)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == before)
        withExtendedLifetime(closed) {}
    }

    @Test("unreadable input exits 2 and names the file")
    func unreadable() throws {
        let missing = try staple(["fetch", "/nonexistent/chain.pem"])
        #expect(missing.status == 2)
        #expect(missing.combined.contains("/nonexistent/chain.pem"))
    }
}
