import Foundation
import OCSPCore
import OCSPResponder
import Testing
import StapleTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `staple respond` run as a user runs it: exit statuses, signals, metrics.
@Suite("staple respond, the command")
struct RespondCommandTests {
    /// A port nothing listens on now (bound to 0, read, released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The `staple respond` process, its standard error in a file.
    final class RespondProcess: @unchecked Sendable {
        // @unchecked: `process` is only touched by the test that owns it.
        let process = Process()
        let logPath: String

        init(_ arguments: [String], directory: String) throws {
            logPath = "\(directory)/respond-\(UUID().uuidString.prefix(6)).log"
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            process.executableURL = URL(fileURLWithPath: SystemTools.stapleBinary)
            process.arguments = ["respond"] + arguments
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            process.standardOutput = FileHandle.nullDevice
            try process.run()
        }

        var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

        func waitForExit() async -> Int32 {
            _ = await eventually(within: 30) { !self.process.isRunning }
            return process.isRunning ? -1 : process.terminationStatus
        }

        func signal(_ number: Int32) { kill(process.processIdentifier, number) }

        deinit { if process.isRunning { process.terminate() } }
    }

    @Test func servesExportsMetricsReloadsOnHangupAndExitsZeroOnSIGTERM() async throws {
        let ca = try OpenSSLCA(name: "command")
        defer { ca.remove() }
        let leaf = try ca.issue("leaf")
        let (port, metricsPort) = (try Self.freePort(), try Self.freePort())
        let respond = try RespondProcess(
            [
                "--ca", ca.caPath, "--index", ca.indexPath, "--ca-key", ca.caKeyPath, "--listen", "127.0.0.1:\(port)",
                "--metrics-listen", "127.0.0.1:\(metricsPort)", "--poll-interval", "0.1",
            ], directory: ca.directory)
        let listening = await eventually(within: 30) { respond.log.contains("responder listening") }
        try #require(listening, "\(respond.log)")

        let query = {
            try SystemTools.execute(
                "openssl",
                ["ocsp", "-url", "http://127.0.0.1:\(port)", "-issuer", ca.caPath, "-cert", leaf, "-CAfile", ca.caPath])
        }
        #expect(try query().stdout.contains("\(leaf): good"))
        try ca.revoke(leaf)
        let flipped = try await eventually(within: 2) { try query().stdout.contains("\(leaf): revoked") }
        #expect(flipped, "\(respond.log)")

        let metrics = String(
            decoding: try RawHTTPConnection(port: metricsPort).request("GET", "/metrics").body, as: UTF8.self)
        for expected in [
            #"ocsp_responder_requests_total{method="POST",outcome="signed"}"#,
            "ocsp_responder_responses_signed_total", "ocsp_responder_cache_age_seconds",
            #"ocsp_responder_index_reloads_total{ca="ca",result="ok"}"#,
            "ocsp_responder_index_change_to_answer_seconds",
        ] {
            #expect(metrics.contains(expected), "missing \(expected) in:\n\(metrics)")
        }

        respond.signal(SIGHUP)
        let reloaded = await eventually { respond.log.contains("reloaded keys and certificates") }
        #expect(reloaded, "\(respond.log)")
        #expect(try query().stdout.contains("\(leaf): revoked"))

        respond.signal(SIGTERM)
        #expect(await respond.waitForExit() == 0, "\(respond.log)")
    }

    @Test func servesSeveralCAsFromAuthorityGroups() async throws {
        let first = try OpenSSLCA(name: "first")
        let second = try OpenSSLCA(name: "second", keyType: .rsa)
        defer {
            first.remove()
            second.remove()
        }
        let firstLeaf = try first.issue("leaf-one")
        let secondLeaf = try second.issue("leaf-two")
        try second.revoke(secondLeaf)
        let (responder, key) = try second.issueResponder()
        let port = try Self.freePort()
        let respond = try RespondProcess(
            [
                "--listen", "127.0.0.1:\(port)",
                "--authority", "ca=\(first.caPath),index=\(first.indexPath),ca-key=\(first.caKeyPath)",
                "--authority",
                "name=issuing,signer-key=\(key),signer=\(responder),ca=\(second.caPath),index=\(second.indexPath)",
            ], directory: first.directory)
        let listening = await eventually(within: 30) { respond.log.contains("responder listening") }
        try #require(listening, "\(respond.log)")
        for (ca, leaf, expected) in [(first, firstLeaf, "good"), (second, secondLeaf, "revoked")] {
            let result = try SystemTools.execute(
                "openssl",
                ["ocsp", "-url", "http://127.0.0.1:\(port)", "-issuer", ca.caPath, "-cert", leaf, "-CAfile", ca.caPath])
            #expect(result.stdout.contains("\(leaf): \(expected)"), "\(result)")
            #expect(result.stderr.contains("Response verify OK"), "\(result)")
        }
        // Statuses are looked up by issuer and serial, never by serial alone: serial 1001 is the
        // second CA's responder certificate, and the first CA never issued it.
        #expect(try second.serialHex(responder) == "1001")
        let crossed = try SystemTools.execute(
            "openssl",
            [
                "ocsp", "-url", "http://127.0.0.1:\(port)", "-issuer", first.caPath, "-serial", "0x1001", "-CAfile",
                first.caPath,
            ])
        #expect(crossed.stdout.contains("0x1001: unknown"), "\(crossed)")
        respond.signal(SIGTERM)
        #expect(await respond.waitForExit() == 0, "\(respond.log)")
    }

    @Test func aBrokenIndexExitsTwoNamingTheFile() async throws {
        let ca = try OpenSSLCA(name: "broken")
        defer { ca.remove() }
        try "V\tnot a time\n".write(toFile: ca.indexPath, atomically: true, encoding: .utf8)
        let result = try SystemTools.execute(
            SystemTools.stapleBinary,
            [
                "respond", "--ca", ca.caPath, "--index", ca.indexPath, "--ca-key", ca.caKeyPath, "--listen",
                "127.0.0.1:0",
            ])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("\(ca.indexPath):1"), "\(result)")
        let noKey = try SystemTools.execute(
            SystemTools.stapleBinary, ["respond", "--ca", ca.caPath, "--index", ca.indexPath, "--listen", "127.0.0.1:0"])
        #expect(noKey.status == 2, "\(noKey)")
    }

    @Test func anAddressInUseExitsThree() async throws {
        let ca = try OpenSSLCA(name: "inuse")
        defer { ca.remove() }
        let responder = try await RunningResponder([ca.files])
        let result = try SystemTools.execute(
            SystemTools.stapleBinary,
            [
                "respond", "--ca", ca.caPath, "--index", ca.indexPath, "--ca-key", ca.caKeyPath, "--listen",
                "127.0.0.1:\(responder.port)",
            ])
        #expect(result.status == 3, "\(result)")
        await responder.stop()
    }
}
