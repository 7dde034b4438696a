import Foundation
import OCSPCore
import StapleTestSupport
import Stapling
import Testing

@testable import StapleRun

/// The HAProxy output against Debian's HAProxy 2.6 with `crt` and a stats socket, a PKI per test.
@Suite("run outputs: HAProxy", .enabled(if: haproxyTestsEnabled, Comment(rawValue: haproxyMissingReason)))
struct HAProxyOutputTests {
    /// A certificate as HAProxy wants it (leaf, chain and key in one file), and the output for it.
    struct Site {
        var pki: TestPKI
        var leaf: TestPKI.Leaf
        var crt: String
        var port: Int
        var output: HAProxyOutput

        init(_ pki: TestPKI) throws {
            self.pki = pki
            leaf = try pki.issue(commonName: "haproxy.test", fileName: "leaf")
            crt = pki.path("site.pem")
            try (String(contentsOfFile: leaf.pemPath, encoding: .utf8) + leaf.keyPEM).write(
                toFile: crt, atomically: true, encoding: .utf8)
            port = try SystemTools.freePort()
            output = HAProxyOutput(
                configuration: HAProxyOutputConfiguration(crt: crt, socket: .unix(path: pki.path("admin.sock"))),
                site: "www", logger: outputLogger)
        }

        func start() async throws -> HAProxyProcess {
            try await HAProxyProcess(root: pki.directory, port: port, crt: crt)
        }

        func served() async throws -> [UInt8]? { try await servedStaple(port: port, serverName: "haproxy.test") }

        func install(_ staple: Staple?) async throws -> OutputOutcome {
            try await output.install(update(pki, leaf, staple))
        }
    }

    @Test(
        "the .ocsp written before HAProxy starts is stapled on the first connection (the push meanwhile fails: no HAProxy)"
    )
    func firstConnectionStapled() async throws {
        let pki = try TestPKI(name: "hap-first")
        defer { pki.remove() }
        let site = try Site(pki)
        let staple = try judgedStaple(pki, site.leaf)
        await #expect(throws: OutputError(.unreachable, "")) { try await site.install(staple) }
        #expect(try pki.bytes("site.pem.ocsp") == staple.bytes, "written for the next start before the push")
        let haproxy = try await site.start()
        defer { haproxy.stop() }
        let seen = try SClientStaple.connect(port: site.port, serverName: "haproxy.test")
        #expect(seen.stapled && seen.serial == site.leaf.serialHex && seen.certStatus == "good", "\(seen.text)")
        #expect(try await site.served() == staple.bytes)
        // The push that failed is retried on the next install, though the file is already written.
        #expect(try await site.install(staple) == .installed)
        #expect(try await site.install(staple) == .unchanged)
    }

    @Test("a refreshed response is pushed through the runtime API and served without a restart (same pid)")
    func pushedWithoutRestart() async throws {
        let pki = try TestPKI(name: "hap-push")
        defer { pki.remove() }
        let site = try Site(pki)
        let first = try judgedStaple(pki, site.leaf, thisUpdate: Date() - 3600)
        try pki.write(first.bytes, to: "site.pem.ocsp")
        let haproxy = try await site.start()
        defer { haproxy.stop() }
        let pid = haproxy.pid
        #expect(try await site.served() == first.bytes)
        let newer = try judgedStaple(pki, site.leaf, thisUpdate: Date() - 60)
        #expect(try await site.install(newer) == .installed)
        for _ in 1...3 { #expect(try await site.served() == newer.bytes) }
        #expect(haproxy.isRunning && haproxy.pid == pid, "no restart")
        #expect(try pki.bytes("site.pem.ocsp") == newer.bytes, "and the file for the next start")
    }

    @Test("a response under 5 minutes before nextUpdate is refused: never pushed, never written")
    func underFiveMinutesNeverPushed() async throws {
        let pki = try TestPKI(name: "hap-short")
        defer { pki.remove() }
        let site = try Site(pki)
        let first = try judgedStaple(pki, site.leaf, thisUpdate: Date() - 3600)
        try pki.write(first.bytes, to: "site.pem.ocsp")
        let haproxy = try await site.start()
        defer { haproxy.stop() }
        let short = try judgedStaple(pki, site.leaf, thisUpdate: Date() - 60, nextUpdate: Date() + 240)
        guard case .refused(let reason) = try await site.install(short) else {
            Issue.record("a response with 4 minutes left must be refused")
            return
        }
        #expect(reason.contains("5 minutes") || reason.contains("300 s"), "\(reason)")
        #expect(try await site.served() == first.bytes, "HAProxy still has the previous one")
        #expect(try pki.bytes("site.pem.ocsp") == first.bytes)
    }

    @Test("HAProxy's own refusal surfaces in its words: a certificate started without a .ocsp cannot be updated")
    func refusalInHAProxysWords() async throws {
        let pki = try TestPKI(name: "hap-words")
        defer { pki.remove() }
        let site = try Site(pki)
        let haproxy = try await site.start()  // no .ocsp: HAProxy 2.6 does not register the certificate
        defer { haproxy.stop() }
        let staple = try judgedStaple(pki, site.leaf)
        do {
            _ = try await site.install(staple)
            Issue.record("HAProxy must refuse")
        } catch let error as OutputError {
            #expect(error.code == .runtimeRefused)
            #expect(error.reason.contains("Certificate ID does not match any certificate or issuer"), "\(error)")
            #expect(error.message.contains("unix@\(pki.path("admin.sock"))"))
        }
        #expect(try await site.served() == nil)
    }

    @Test("HAProxy stops stapling a response by itself 5 minutes before its nextUpdate")
    func fiveMinuteSelfExpiry() async throws {
        let pki = try TestPKI(name: "hap-expiry")
        defer { pki.remove() }
        let site = try Site(pki)
        try pki.write(try judgedStaple(pki, site.leaf, thisUpdate: Date() - 3600).bytes, to: "site.pem.ocsp")
        let haproxy = try await site.start()
        defer { haproxy.stop() }
        // 300 s + 8 s left: stapleable for 8 more seconds.
        let nextUpdate = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 308).rounded(.down))
        let brief = try judgedStaple(pki, site.leaf, thisUpdate: Date() - 60, nextUpdate: nextUpdate)
        #expect(try await site.install(brief) == .installed)
        #expect(try await site.served() == brief.bytes)
        let stopped = try await eventually(within: 30) { try await site.served() == nil }
        #expect(stopped, "HAProxy no longer staples it")
        #expect(Date() >= nextUpdate - 300 - 1, "not before nextUpdate − 5 minutes")
        #expect(Date() < nextUpdate, "well before nextUpdate itself")
    }

    @Test("withdrawal empties the .ocsp: after a restart nothing is stapled, and the certificate still takes pushes")
    func withdrawalSurvivesRestart() async throws {
        let pki = try TestPKI(name: "hap-withdraw")
        defer { pki.remove() }
        let site = try Site(pki)
        try pki.write(try judgedStaple(pki, site.leaf, thisUpdate: Date() - 3600).bytes, to: "site.pem.ocsp")
        var haproxy = try await site.start()
        #expect(try await site.install(nil) == .withdrawn)
        #expect(try pki.bytes("site.pem.ocsp").isEmpty)
        haproxy.stop()
        haproxy = try await site.start()
        defer { haproxy.stop() }
        #expect(try await site.served() == nil, "a restart staples nothing")
        #expect(haproxy.log.contains("Content will be ignored"), "an empty .ocsp is a warning: \(haproxy.log)")
        let healed = try judgedStaple(pki, site.leaf)
        #expect(try await site.install(healed) == .installed)
        #expect(try await site.served() == healed.bytes)
    }

    @Test("the runtime API over TCP (socket: tcp:HOST:PORT) takes the push too")
    func pushOverTCP() async throws {
        let pki = try TestPKI(name: "hap-tcp")
        defer { pki.remove() }
        let site = try Site(pki)
        try pki.write(try judgedStaple(pki, site.leaf, thisUpdate: Date() - 3600).bytes, to: "site.pem.ocsp")
        let runtime = try SystemTools.freePort()
        let haproxy = try await HAProxyProcess(
            root: pki.directory, port: site.port, crt: site.crt, runtimeAPI: false, runtimeTCPPort: runtime)
        defer { haproxy.stop() }
        try await Listening.wait(port: runtime, what: "HAProxy's runtime API")
        let output = HAProxyOutput(
            configuration: HAProxyOutputConfiguration(crt: site.crt, socket: .tcp(host: "127.0.0.1", port: runtime)),
            site: "www", logger: outputLogger)
        let newer = try judgedStaple(pki, site.leaf, thisUpdate: Date() - 60)
        #expect(try await output.install(update(pki, site.leaf, newer)) == .installed)
        #expect(try await site.served() == newer.bytes)
        let answer = try await HAProxyRuntimeClient(socket: .tcp(host: "127.0.0.1", port: runtime)).send(
            "show ssl ocsp-response\n")
        #expect(
            answer.contains("Serial Number: \(site.leaf.serialHex)") || answer.contains(site.leaf.serialHex),
            "\(answer)")
    }
}
