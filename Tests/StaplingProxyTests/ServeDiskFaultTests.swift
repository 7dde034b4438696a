import Foundation
import NIOConcurrencyHelpers
import OCSPCore
import StapleTestSupport
import Stapling
import TLSStapling
import Testing

/// A running `staple serve` whose --state-dir (a 64 KiB tmpfs) becomes full or read-only keeps
/// stapling: a newer staple it cannot persist is served from memory, the file on disk stays
/// byte-identical, no temporary file is left, and the log names the path.
@Suite(
    "staple serve: disk faults in the state directory",
    .enabled(
        if: opensslTestsEnabled && SmallFilesystem.testsEnabled,
        Comment(rawValue: "\(opensslMissingReason); \(SmallFilesystem.unavailableReason)")),
    .serialized)
struct ServeDiskFaultTests {
    enum Fault: String, CaseIterable, CustomTestStringConvertible {
        case full, readOnly = "read-only"
        var testDescription: String { rawValue }
    }

    @Test("keeps stapling from memory when the state directory fills up or turns read-only", arguments: Fault.allCases)
    func keepsServing(fault: Fault) async throws {
        let pki = try TestPKI(name: "serve-disk")
        defer { pki.remove() }
        let filesystem = try SmallFilesystem()
        defer { filesystem.unmount() }
        let echo = try await EchoServer()
        // The responder fails until the fault is in place, so the engine keeps retrying (every 1 s,
        // backing off) while it serves the stored staple.
        let answer = NIOLockedValueBox<TestHTTPAction>(.respond(status: 500, headers: [], body: []))
        let responder = try await TestHTTPServer { _ in answer.withLockedValue { $0 } }
        let leaf = try pki.issue(ocspURLs: [responder.url()])
        let now = Date()
        // Past its half-life, so the engine asks the responder at once; still good for two hours.
        let previous = try pki.signedResponse(
            for: leaf.certificate, thisUpdate: now - 20 * 3_600, nextUpdate: now + 2 * 3_600)
        let newer = try pki.signedResponse(for: leaf.certificate, thisUpdate: now - 60, nextUpdate: now + 86_400)
        let stored = "\(filesystem.path)/\(CertificateKey(certificate: leaf.certificate).hex).ocsp"
        try Data(previous).write(to: URL(fileURLWithPath: stored))

        let serve = try await ServeProcess(
            [
                "--cert", leaf.pemPath, "--key", leaf.keyPath, "--backend", "127.0.0.1:\(echo.port)", "--state-dir",
                filesystem.path, "--retry-after", "1", "--startup-wait", "2",
            ],
            directory: pki.directory)
        defer { serve.stop() }
        let first = try await TLSTestClient.connect(port: serve.port)
        #expect(first.handshake?.stapledResponse == previous, "the stored staple is served: \(serve.log.suffix(800))")

        switch fault {
        case .full: try filesystem.fill()
        case .readOnly: try filesystem.remountReadOnly()
        }
        let asked = responder.requests.count
        answer.withLockedValue { $0 = .ocsp(newer) }
        // Until the engine has fetched the newer staple and serves it (bounded: 60 s; the backoff
        // after a few 500s is at most 16 s).
        var stapled: [UInt8]?
        for _ in 0..<600 where stapled != newer {
            stapled = try await TLSTestClient.connect(port: serve.port).handshake?.stapledResponse
            if stapled != newer { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(responder.requests.count > asked)
        #expect(stapled == newer, "the newer staple is served from memory: \(serve.log.suffix(1_500))")
        #expect(serve.isRunning)

        // An independent client sees the staple too, for this certificate.
        let output = try sClient(port: serve.port, version: "-tls1_3")
        #expect(output.contains("Cert Status: good"), "\(output.prefix(800))")
        #expect(output.contains("Serial Number: \(leaf.serialHex)"))

        #expect(fileBytes(stored) == previous, "the stored staple is byte-for-byte intact")
        #expect(
            filesystem.entries() == [(stored as NSString).lastPathComponent], "no temporary file is left: \(filesystem.entries())")
        #expect(serve.log.contains("not persisted") && serve.log.contains(stored), "the log names the path: \(serve.log.suffix(1_500))")
        #expect(serve.stop() == 0)
        await responder.stop()
        await echo.stop()
    }

    func fileBytes(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }
}
