import Foundation
import StapleDemo
import StapleTestSupport
import Testing

/// The throwaway PKI and the expired staple, checked with OpenSSL as the independent oracle; the
/// private nginx failing to start.
@Suite("staple demo PKI", .enabled(if: opensslTestsEnabled, Comment(rawValue: opensslMissingReason)))
struct DemoPKITests {
    func make() async throws -> (DemoPKI, String, Cleanup) {
        let directory = try TemporaryDirectory.make(prefix: "demo-pki")
        let cleanup = Cleanup()
        cleanup.track(directory: directory)
        try FileManager.default.createDirectory(atPath: "\(directory)/logs", withIntermediateDirectories: true)
        let runner = ToolRunner(directory: directory, cleanup: cleanup, progress: Progress(enabled: false))
        let openssl = try #require(ToolRunner.which("openssl"))
        let pki = try await DemoPKI.make(
            in: "\(directory)/pki", ocspURL: "http://127.0.0.1:9/", openssl: openssl, runner: runner)
        return (pki, openssl, cleanup)
    }

    @Test("openssl ca's index holds every issued serial, the revoked leaf as an R line; the extensions are there")
    func pki() async throws {
        let (pki, _, cleanup) = try await make()
        defer { cleanup.cleanUp() }
        let index = try String(contentsOfFile: pki.indexPath, encoding: .utf8).split(separator: "\n")
        #expect(index.count == 5, "\(index)")
        #expect(index.filter { $0.hasPrefix("R\t") }.count == 1)
        #expect(index.first { $0.hasPrefix("R\t") }?.contains("keyCompromise") == true)
        #expect(index.first { $0.hasPrefix("R\t") }?.hasSuffix("/CN=\(pki.revoked.name)") == true)

        func text(_ path: String) throws -> String {
            try SystemTools.run("openssl", ["x509", "-in", path, "-noout", "-text"])
        }
        let must = try text(pki.mustStaple.certificatePath)
        #expect(must.contains("TLS Feature") && must.contains("status_request"))
        #expect(must.contains("OCSP - URI:http://127.0.0.1:9/"))
        #expect(!(try text(pki.site.certificatePath)).contains("TLS Feature"))
        let responder = try text(pki.responderPath)
        #expect(responder.contains("OCSP Signing") && responder.contains("OCSP No Check"))
        // Each chain is the leaf then the intermediate, and verifies to the root.
        let chain = try String(contentsOfFile: pki.site.chainPath, encoding: .utf8)
        #expect(chain.components(separatedBy: "BEGIN CERTIFICATE").count == 3)
        let verified = try SystemTools.run(
            "openssl",
            ["verify", "-CAfile", pki.rootPath, "-untrusted", pki.intermediatePath, pki.site.certificatePath])
        #expect(verified.contains(": OK"))
    }

    @Test("the expired staple verifies with openssl (signature, delegated responder) and its times are in the past")
    func expiredStaple() async throws {
        let (pki, _, cleanup) = try await make()
        defer { cleanup.cleanUp() }
        let path = "\(pki.directory)/expired.ocsp"
        try ExpiredStaple.write(to: path, leaf: pki.site, pki: pki, now: Date())
        let result = try SystemTools.execute(
            "openssl",
            [
                "ocsp", "-respin", path, "-issuer", pki.intermediatePath, "-cert", pki.site.certificatePath, "-CAfile",
                pki.rootPath, "-verify_other", pki.intermediatePath,
            ])
        #expect(result.combined.contains("Response verify OK"), "\(result)")
        #expect(result.stdout.split(separator: "\n").contains("good"), "\(result)")
        // openssl checks the times against the wall clock and says so (while exiting 0).
        #expect(result.combined.contains("Status times invalid") && result.combined.contains("status expired"))
    }

    @Test("nginx that will not start: nginxFailed, with what it said")
    func nginxFails() async throws {
        let directory = try TemporaryDirectory.make(prefix: "demo-nginx")
        let cleanup = Cleanup()
        cleanup.track(directory: directory)
        defer { cleanup.cleanUp() }
        let site = PrivateNginx.Site(
            port: try PortProbe.freePort(), chainPath: "/nonexistent/chain.pem", keyPath: "/nonexistent/key.pem",
            staplePath: "/nonexistent/staple.ocsp", comment: "nothing exists")
        let nginx = PrivateNginx(root: "\(directory)/nginx", sites: [site])
        await #expect(throws: DemoError(.nginxFailed, "")) {
            _ = try await nginx.start(nginx: "/bin/false", cleanup: cleanup, progress: Progress(enabled: false))
        }
    }
}
