import Foundation
import OCSPCore
import StapleTestSupport
import Stapling
import Testing

@testable import StapleRun

/// The HAProxy output against Debian's HAProxy 2.6 with `crt` and a stats socket, a PKI per test.
/// Pushes are also read back from the `staple_run_pushes_total{outcome}` counters the output reports to.
@Suite("run outputs: HAProxy", .enabled(if: haproxyTestsEnabled, Comment(rawValue: haproxyMissingReason)))
struct HAProxyOutputTests {
    /// What every test here starts from: a PKI, a certificate as HAProxy wants it (leaf, chain and
    /// key in one file), a port, and the output for it over the Unix runtime socket, reporting its
    /// pushes to ``probe``.
    struct Fixture {
        let pki: TestPKI
        let leaf: TestPKI.Leaf
        let crt: String
        let port: Int
        let probe = MetricsProbe()
        let output: HAProxyOutput

        init(_ name: String) throws {
            pki = try TestPKI(name: name)
            leaf = try pki.issue(commonName: "haproxy.test", fileName: "leaf")
            crt = pki.path("site.pem")
            try (String(contentsOfFile: leaf.pemPath, encoding: .utf8) + leaf.keyPEM).write(
                toFile: crt, atomically: true, encoding: .utf8)
            port = try SystemTools.freePort()
            output = Self.output(crt: crt, socket: .unix(path: pki.path("admin.sock")), probe: probe)
        }

        static func output(
            crt: String, socket: HAProxyOutputConfiguration.Socket, probe: MetricsProbe
        ) -> HAProxyOutput {
            HAProxyOutput(
                configuration: HAProxyOutputConfiguration(crt: crt, socket: socket), site: "www",
                logger: outputLogger, observer: probe.metrics)
        }

        func start() async throws -> HAProxyProcess {
            try await HAProxyProcess(root: pki.directory, port: port, crt: crt)
        }

        /// A staple judged good for the certificate.
        func staple(thisUpdate: Date = Date() - 60, nextUpdate: Date? = Date() + 86_400) throws -> Staple {
            try judgedStaple(pki, leaf, thisUpdate: thisUpdate, nextUpdate: nextUpdate)
        }

        /// Writes `<crt>.ocsp` with a good staple an hour old, as a previous run would have left it.
        @discardableResult
        func preinstall() throws -> Staple {
            let staple = try staple(thisUpdate: Date() - 3600)
            try pki.write(staple.bytes, to: "site.pem.ocsp")
            return staple
        }

        func served() async throws -> [UInt8]? { try await servedStaple(port: port, serverName: "haproxy.test") }

        func install(_ staple: Staple?, in output: HAProxyOutput? = nil) async throws -> OutputOutcome {
            try await (output ?? self.output).install(update(pki, leaf, staple))
        }

        func remove() { pki.remove() }
    }

    @Test(
        "the .ocsp written before HAProxy starts is stapled on the first connection (the push meanwhile fails: no HAProxy)"
    )
    func firstConnectionStapled() async throws {
        let site = try Fixture("hap-first")
        defer { site.remove() }
        let staple = try site.staple()
        await #expect(throws: OutputError(.unreachable, "")) { try await site.install(staple) }
        #expect(try site.pki.bytes("site.pem.ocsp") == staple.bytes, "written for the next start before the push")
        let haproxy = try await site.start()
        defer { haproxy.stop() }
        let seen = try SClientStaple.connect(port: site.port, serverName: "haproxy.test")
        #expect(seen.stapled && seen.serial == site.leaf.serialHex && seen.certStatus == "good", "\(seen.text)")
        #expect(try await site.served() == staple.bytes)
        // The push that failed is retried on the next install, though the file is already written.
        #expect(try await site.install(staple) == .installed)
        #expect(try await site.install(staple) == .unchanged)
        #expect(site.probe.pushes(.failed) == 1, "the push without HAProxy")
        #expect(site.probe.pushes(.updated) == 1, "the retried push, and no push for the unchanged one")
    }

    @Test("a refreshed response is pushed through the runtime API and served without a restart (same pid)")
    func pushedWithoutRestart() async throws {
        let site = try Fixture("hap-push")
        defer { site.remove() }
        let first = try site.preinstall()
        let haproxy = try await site.start()
        defer { haproxy.stop() }
        let pid = haproxy.pid
        #expect(try await site.served() == first.bytes)
        let newer = try site.staple(thisUpdate: Date() - 60)
        #expect(try await site.install(newer) == .installed)
        for _ in 1...3 { #expect(try await site.served() == newer.bytes) }
        #expect(haproxy.isRunning && haproxy.pid == pid, "no restart")
        #expect(site.probe.pushes(.updated) == 1 && site.probe.allPushes == 1)
        #expect(try site.pki.bytes("site.pem.ocsp") == newer.bytes, "and the file for the next start")
    }

    @Test("a response under 5 minutes before nextUpdate is refused: never pushed, never written")
    func underFiveMinutesNeverPushed() async throws {
        let site = try Fixture("hap-short")
        defer { site.remove() }
        let first = try site.preinstall()
        let haproxy = try await site.start()
        defer { haproxy.stop() }
        let short = try site.staple(thisUpdate: Date() - 60, nextUpdate: Date() + 240)
        guard case .refused(let reason) = try await site.install(short) else {
            Issue.record("a response with 4 minutes left must be refused")
            return
        }
        #expect(reason.contains("5 minutes") || reason.contains("300 s"), "\(reason)")
        #expect(try await site.served() == first.bytes, "HAProxy still has the previous one")
        #expect(try site.pki.bytes("site.pem.ocsp") == first.bytes)
        #expect(site.probe.allPushes == 0, "never pushed")
    }

    @Test("HAProxy's own refusal surfaces in its words: a certificate started without a .ocsp cannot be updated")
    func refusalInHAProxysWords() async throws {
        let site = try Fixture("hap-words")
        defer { site.remove() }
        let haproxy = try await site.start()  // no .ocsp: HAProxy 2.6 does not register the certificate
        defer { haproxy.stop() }
        let staple = try site.staple()
        do {
            _ = try await site.install(staple)
            Issue.record("HAProxy must refuse")
        } catch let error as OutputError {
            #expect(error.code == .runtimeRefused)
            #expect(error.reason.contains("Certificate ID does not match any certificate or issuer"), "\(error)")
            #expect(error.message.contains("unix@\(site.pki.path("admin.sock"))"))
        }
        #expect(site.probe.pushes(.refused) == 1 && site.probe.allPushes == 1)
        #expect(try await site.served() == nil)
    }

    @Test("HAProxy stops stapling a response by itself 5 minutes before its nextUpdate")
    func fiveMinuteSelfExpiry() async throws {
        let site = try Fixture("hap-expiry")
        defer { site.remove() }
        try site.preinstall()
        let haproxy = try await site.start()
        defer { haproxy.stop() }
        // 300 s + 8 s left: stapleable for 8 more seconds.
        let nextUpdate = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 308).rounded(.down))
        let brief = try site.staple(thisUpdate: Date() - 60, nextUpdate: nextUpdate)
        #expect(try await site.install(brief) == .installed)
        #expect(try await site.served() == brief.bytes)
        let stopped = try await eventually(within: 60) { try await site.served() == nil }
        #expect(stopped, "HAProxy no longer staples it")
        #expect(Date() >= nextUpdate - 300 - 1, "not before nextUpdate − 5 minutes")
        #expect(Date() < nextUpdate, "well before nextUpdate itself")
    }

    @Test("withdrawal empties the .ocsp: after a restart nothing is stapled, and the certificate still takes pushes")
    func withdrawalSurvivesRestart() async throws {
        let site = try Fixture("hap-withdraw")
        defer { site.remove() }
        try site.preinstall()
        var haproxy = try await site.start()
        #expect(try await site.install(nil) == .withdrawn)
        #expect(try site.pki.bytes("site.pem.ocsp").isEmpty)
        haproxy.stop()
        haproxy = try await site.start()
        defer { haproxy.stop() }
        #expect(try await site.served() == nil, "a restart staples nothing")
        #expect(haproxy.log.contains("Content will be ignored"), "an empty .ocsp is a warning: \(haproxy.log)")
        let healed = try site.staple()
        #expect(try await site.install(healed) == .installed)
        #expect(try await site.served() == healed.bytes)
    }

    @Test("the runtime API over TCP (socket: tcp:HOST:PORT) takes the push too")
    func pushOverTCP() async throws {
        let site = try Fixture("hap-tcp")
        defer { site.remove() }
        try site.preinstall()
        let runtime = try SystemTools.freePort()
        let haproxy = try await HAProxyProcess(
            root: site.pki.directory, port: site.port, crt: site.crt, runtimeAPI: false, runtimeTCPPort: runtime)
        defer { haproxy.stop() }
        try await Listening.wait(port: runtime, what: "HAProxy's runtime API")
        let output = Fixture.output(crt: site.crt, socket: .tcp(host: "127.0.0.1", port: runtime), probe: site.probe)
        let newer = try site.staple(thisUpdate: Date() - 60)
        #expect(try await site.install(newer, in: output) == .installed)
        #expect(site.probe.pushes(.updated) == 1)
        #expect(try await site.served() == newer.bytes)
        let answer = try await HAProxyRuntimeClient(socket: .tcp(host: "127.0.0.1", port: runtime)).send(
            "show ssl ocsp-response\n")
        #expect(
            answer.contains("Serial Number: \(site.leaf.serialHex)") || answer.contains(site.leaf.serialHex),
            "\(answer)")
    }
}
