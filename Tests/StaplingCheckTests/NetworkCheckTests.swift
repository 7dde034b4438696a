import Foundation
import StapleTestSupport
import Testing

/// Targets that cannot be checked, and many targets at once.
@Suite("check: network errors and many targets")
struct NetworkCheckTests {
    /// The deadline given; the bound asserted is twice it plus process start-up, generous on a busy machine.
    static let timeout = 2.0

    @Test("a refused port, a plain-HTTP port and a listener that never answers: UNKNOWN within the deadline")
    func unreachable() async throws {
        let refused = try ClosedPort()
        let http = try await TestHTTPServer { _ in .respond(status: 200, headers: [], body: Array("hi".utf8)) }
        let silent = try SilentListener()
        let cases: [(String, Int, String, String)] = [
            ("refused", refused.port, "refused", "connection refused"),
            ("plain HTTP", http.port, "not-tls", "not with TLS"),
            ("silent", silent.port, "silent", "sent nothing"),
        ]
        for (name, port, code, message) in cases {
            let run = try CheckCommand.run(["127.0.0.1:\(port)", "--timeout", "\(Self.timeout)"])
            #expect(run.status == 3, "\(name): \(run.context)")
            let target = try #require(run.report?.targets.first, "\(name): \(run.context)")
            #expect(target.status == "unknown")
            #expect(target.error?.code == code, "\(name): \(run.context)")
            #expect(target.error?.message.contains(message) == true, "\(name): \(run.context)")
            #expect(run.seconds < Self.timeout * 2 + 8, "\(name) took \(run.seconds) s")
            // The text report says it as clearly.
            let text = try CheckCommand.run(["127.0.0.1:\(port)", "--timeout", "\(Self.timeout)"], json: false)
            #expect(text.status == 3)
            #expect(
                text.stdout.hasPrefix("STAPLE CHECK UNKNOWN - 127.0.0.1:\(port): could not check"), "\(text.stdout)")
        }
        await http.stop()
        _ = silent
        _ = refused
    }

    @Test("usage errors are UNKNOWN (3), never 64")
    func usageErrors() throws {
        for arguments in [
            [String](), ["example.org:99999"], ["a.test", "--tls1_2", "--tls1_3"], ["a.test", "--parallel", "0"],
            ["a.test", "--no-such-option"], ["-f", "/nonexistent/list.txt"],
        ] {
            let run = try CheckCommand.run(arguments, json: false)
            #expect(run.status == 3, "\(arguments): \(run.context)")
            #expect(!run.stderr.isEmpty, "\(arguments) says why")
        }
    }

    @Test("-f with 50 targets: input order kept, never more than --parallel connections at once")
    func fiftyTargets() async throws {
        let pki = try TestPKI(name: "check-fifty")
        defer { pki.remove() }
        let leaf = try pki.issue(commonName: "fifty.test", ocspURLs: ["http://127.0.0.1:9/"])
        let staple = try pki.signedResponse(for: leaf.certificate)
        let server = try await CountingTLSServer(
            certificate: leaf.tlsSource, staples: [leaf.der: staple], seed: 0x5EED)
        let names = (1...50).map { String(format: "site-%02d.test", $0) }
        let list = "# fifty names, one server\n" + names.map { "\($0):\(server.port)\n" }.joined()
        try list.write(toFile: pki.path("targets.txt"), atomically: true, encoding: .utf8)
        let parallel = 4
        let run = try CheckCommand.run([
            "-f", pki.path("targets.txt"), "--connect", "127.0.0.1", "--ca-file", pki.caPath, "--parallel",
            "\(parallel)",
        ])
        let counts = server.current
        await server.stop()
        #expect(run.status == 0, "\(run.context)")
        #expect(run.report?.targets.map(\.target) == names.map { "\($0):\(server.port)" })
        #expect(run.report?.targets.allSatisfy { $0.status == "ok" } == true)
        // Each target: TLS 1.3 and 1.2 offering ECDSA, then the two RSA offers, which fail.
        #expect(counts.total == 50 * 4, "\(counts)")
        #expect(counts.maximum <= parallel, "\(counts)")
        #expect(counts.maximum > 1, "targets were checked concurrently: \(counts)")
    }
}
