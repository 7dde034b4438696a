import Foundation
import OCSPCore
import StapleTestSupport
import Stapling
import SwiftASN1
import Testing

@testable import StapleRun

/// The outputs' decisions without a server: HAProxy's acceptance rules, addresses, snippets, and the
/// reloader's debounce, retry and confirmation logic (real `/bin/sh` commands, a scripted prober).
@Suite("run outputs: logic")
struct OutputLogicTests {
    // MARK: HAProxy 2.6 stapleability

    @Test("a one-SingleResponse SHA-1 response with a day left is stapleable by HAProxy")
    func haproxyAcceptsGood() throws {
        let pki = try TestPKI(name: "hap-rules")
        defer { pki.remove() }
        let leaf = try pki.issue(writePEM: false)
        let bytes = try pki.signedResponse(for: leaf.certificate)
        #expect(
            HAProxyStapleability.refusal(of: bytes, certificate: leaf.certificate, issuer: pki.ca, now: Date()) == nil)
    }

    @Test(
        "HAProxy's refusals: two SingleResponses, no nextUpdate, a SHA-256 CertID, another certificate, under 5 minutes"
    )
    func haproxyRefusals() throws {
        let pki = try TestPKI(name: "hap-rules")
        defer { pki.remove() }
        let leaf = try pki.issue(writePEM: false)
        let other = try pki.issue(writePEM: false)
        let now = Date()
        func refusal(_ bytes: [UInt8]) -> String? {
            HAProxyStapleability.refusal(of: bytes, certificate: leaf.certificate, issuer: pki.ca, now: now)
        }
        let singles = try [leaf, other].map {
            SingleResponse(
                certID: try CertID(certificate: $0.certificate, issuer: pki.ca), certStatus: .good,
                thisUpdate: try GeneralizedTime(now - 60), nextUpdate: try GeneralizedTime(now + 86_400))
        }
        let two = try OCSPResponseSigner(certificate: pki.ca, privateKey: pki.caKey).sign(singles, producedAt: now - 60)
        #expect(refusal(two)?.contains("2 SingleResponses") == true, "\(refusal(two) ?? "accepted")")
        let noNext = try pki.signedResponse(for: leaf.certificate, nextUpdate: nil)
        #expect(refusal(noNext)?.contains("no nextUpdate") == true)
        let sha256 = try pki.signedResponse(for: leaf.certificate, hash: .sha256)
        #expect(refusal(sha256)?.contains("sha256") == true, "\(refusal(sha256) ?? "accepted")")
        let foreign = try pki.signedResponse(for: other.certificate)
        #expect(refusal(foreign)?.contains("serial \(other.serialHex)") == true, "\(refusal(foreign) ?? "accepted")")
        let fourMinutes = try pki.signedResponse(for: leaf.certificate, nextUpdate: now + 240)
        #expect(refusal(fourMinutes)?.contains("under 300 s left") == true, "\(refusal(fourMinutes) ?? "accepted")")
        let sixMinutes = try pki.signedResponse(for: leaf.certificate, nextUpdate: now + 360)
        #expect(refusal(sixMinutes) == nil)
        #expect(refusal([0x30, 0x03, 0x0a, 0x01, 0x03])?.contains("not a successful") == true)
    }

    @Test("a response under 5 minutes before nextUpdate is refused by the output: nothing written")
    func haproxyOutputRefusesWithoutWriting() async throws {
        let pki = try TestPKI(name: "hap-refuse")
        defer { pki.remove() }
        let leaf = try pki.issue(fileName: "site")
        let staple = try judgedStaple(pki, leaf, nextUpdate: Date() + 240)
        let output = HAProxyOutput(
            configuration: HAProxyOutputConfiguration(crt: leaf.pemPath), site: "www", logger: outputLogger)
        let outcome = try await output.install(update(pki, leaf, staple, chainHasIssuer: false))
        guard case .refused(let reason) = outcome else {
            Issue.record("expected a refusal, got \(outcome)")
            return
        }
        #expect(reason.contains("under 300 s left"))
        #expect(!FileManager.default.fileExists(atPath: output.ocspPath))
        #expect(!FileManager.default.fileExists(atPath: output.issuerPath))
    }

    @Test(".issuer is written only when the chain lacks the issuer; .ocsp holds the staple's bytes")
    func haproxyIssuerFile() async throws {
        let pki = try TestPKI(name: "hap-issuer")
        defer { pki.remove() }
        let leaf = try pki.issue(fileName: "site")
        let staple = try judgedStaple(pki, leaf)
        let output = HAProxyOutput(
            configuration: HAProxyOutputConfiguration(crt: leaf.pemPath), site: "www", logger: outputLogger)
        #expect(try await output.install(update(pki, leaf, staple, chainHasIssuer: true)) == .installed)
        #expect(!FileManager.default.fileExists(atPath: output.issuerPath))
        #expect(try await output.install(update(pki, leaf, staple, chainHasIssuer: true)) == .unchanged)
        #expect(try await output.install(update(pki, leaf, staple, chainHasIssuer: false)) == .installed)
        let issuer = try String(contentsOfFile: output.issuerPath, encoding: .utf8)
        #expect(issuer == TestPKI.pem(pki.ca))
        #expect(FileManager.default.contents(atPath: output.ocspPath).map(Array.init) == staple.bytes)
        #expect(try await output.install(update(pki, leaf, nil)) == .withdrawn)
        #expect(FileManager.default.contents(atPath: output.ocspPath) == Data())
        #expect(try await output.install(update(pki, leaf, nil)) == .unchanged)
    }

    @Test("a Unix socket path over HAProxy's 97 bytes is a clear error, made before connecting")
    func socketPathTooLong() async throws {
        let path = "/tmp/" + String(repeating: "s", count: 100) + ".sock"
        let client = HAProxyRuntimeClient(socket: .unix(path: path))
        await #expect(throws: OutputError(.socketPathTooLong, "")) { try await client.setOCSPResponse([1, 2, 3]) }
        do {
            try await client.setOCSPResponse([1])
        } catch {
            #expect(error.message.contains("\(path.utf8.count) bytes"))
            #expect(error.message.contains(path))
        }
        let refused = try ClosedPort()
        let tcp = HAProxyRuntimeClient(socket: .tcp(host: "127.0.0.1", port: refused.port))
        await #expect(throws: OutputError(.unreachable, "")) { try await tcp.setOCSPResponse([1]) }
    }

    // MARK: addresses and snippets

    @Test("confirm: HOST:PORT, [IPv6]:PORT; anything else names the text")
    func confirmTargets() throws {
        #expect(
            try ConfirmTarget(parsing: "127.0.0.1:8443", serverName: "www.test")
                == ConfirmTarget(host: "127.0.0.1", port: 8443, serverName: "www.test"))
        #expect(
            try ConfirmTarget(parsing: "[::1]:443", serverName: nil)
                == ConfirmTarget(host: "::1", port: 443, serverName: nil))
        #expect(try ConfirmTarget(parsing: "www.example:443", serverName: nil).host == "www.example")
        for bad in ["127.0.0.1", "host:", ":443", "host:99999", "[::1]443"] {
            #expect(throws: OutputError(.invalidAddress, "")) { try ConfirmTarget(parsing: bad, serverName: nil) }
        }
    }

    @Test("the snippet turns stapling on with the file, or off; odd paths are quoted")
    func snippets() {
        #expect(
            NginxSnippet.stapling(file: "/etc/nginx/staples/www.der").contains(
                "ssl_stapling on;\nssl_stapling_file /etc/nginx/staples/www.der;\n"))
        #expect(
            NginxSnippet.stapling(file: "/srv/my staples/a;b.der").contains(
                "ssl_stapling_file \"/srv/my staples/a;b.der\";"))
        #expect(NginxSnippet.withdrawn.contains("ssl_stapling off;"))
        #expect(!NginxSnippet.withdrawn.contains("ssl_stapling_file"))
    }

    @Test("reload backoff doubles from its base up to its cap")
    func backoff() {
        let backoff = ReloadBackoff(base: .seconds(5), cap: .seconds(60))
        #expect(
            [1, 2, 3, 4, 5, 30].map { backoff.delay(afterFailures: $0) } == [
                .seconds(5), .seconds(10), .seconds(20), .seconds(40), .seconds(60), .seconds(60),
            ])
    }

    // MARK: the reloader (real /bin/sh, scripted handshakes)

    @Test("requests within the debounce window cause one reload; the staple bytes are then confirmed")
    func debounceOneReload() async throws {
        let directory = try TemporaryDirectory.make(prefix: "reloader")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let counter = "\(directory)/reloads"
        let prober = ScriptedProber(byPort: [1: [1, 2, 3], 2: [4, 5, 6]])
        let reloader = NginxReloader(
            signal: ReloadSignal(.command("echo reload >> '\(counter)'")), debounce: .milliseconds(300),
            confirmation: StapleConfirmation(
                prober: prober,
                policy: ConfirmationPolicy(attempts: 3, interval: .milliseconds(10), handshakeTimeout: .seconds(1))),
            logger: outputLogger)
        let a = ConfirmTarget(host: "127.0.0.1", port: 1, serverName: nil)
        let b = ConfirmTarget(host: "127.0.0.1", port: 2, serverName: nil)
        await reloader.request(ReloadExpectation(site: "a", target: a, staple: [1, 2, 3]))
        await reloader.request(ReloadExpectation(site: "b", target: b, staple: [4, 5, 6]))
        #expect(await eventually(within: 60) { await reloader.confirmedCount == 1 })
        #expect(await reloader.reloadCount == 1)
        #expect(try String(contentsOfFile: counter, encoding: .utf8) == "reload\n")
        #expect(await !reloader.hasPending)
    }

    @Test("a failing reload command is thrown from flush with its stderr and exit status, and retried with backoff")
    func failingCommandRetried() async throws {
        let directory = try TemporaryDirectory.make(prefix: "reloader")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let counter = "\(directory)/attempts"
        let reloader = NginxReloader(
            signal: ReloadSignal(.command("echo x >> '\(counter)'; echo 'nginx: [emerg] broken' >&2; exit 3")),
            debounce: .seconds(60), backoff: ReloadBackoff(base: .milliseconds(200), cap: .milliseconds(200)),
            confirmation: StapleConfirmation(prober: ScriptedProber([nil])), logger: outputLogger)
        await reloader.request(ReloadExpectation(site: "a", target: nil, staple: [1]))
        do {
            try await reloader.flush()
            Issue.record("flush should throw")
        } catch {
            #expect(error.code == .reloadFailed)
            #expect(error.reason.contains("exited 3"))
            #expect(error.reason.contains("nginx: [emerg] broken"))
        }
        #expect(await reloader.hasPending)
        #expect(await eventually(within: 60) { await reloader.reloadCount >= 3 }, "retried by itself")
        await reloader.shutdown()
        #expect(await reloader.confirmedCount == 0)
        #expect(await reloader.lastFailure?.code == .reloadFailed)
    }

    @Test(
        "a reload whose handshakes keep carrying the old staple is unconfirmed, says what was seen, and counts as such")
    func unconfirmed() async throws {
        let prober = ScriptedProber([[9, 9]])
        let probe = MetricsProbe()
        let reloader = NginxReloader(
            signal: ReloadSignal(.command("true")), debounce: .seconds(60),
            backoff: ReloadBackoff(base: .seconds(60), cap: .seconds(60)),
            confirmation: StapleConfirmation(
                prober: prober,
                policy: ConfirmationPolicy(attempts: 4, interval: .milliseconds(10), handshakeTimeout: .seconds(1))),
            observer: probe.metrics, logger: outputLogger)
        await reloader.request(
            ReloadExpectation(
                site: "www", target: ConfirmTarget(host: "127.0.0.1", port: 8443, serverName: "www.test"), staple: nil))
        await #expect(throws: OutputError(.unconfirmed, "")) { try await reloader.flush() }
        #expect(prober.handshakes == 4)
        #expect(probe.reloads(.unconfirmed) == 1 && probe.reloads(.confirmed) == 0 && probe.reloads(.failed) == 0)
        let failure = try #require(await reloader.lastFailure)
        #expect(failure.message.contains("127.0.0.1:8443 (SNI www.test)"))
        #expect(failure.reason.contains("4 handshakes still got a staple where none should be"))
        #expect(failure.reason.contains("a staple of 2 bytes"))
        await reloader.shutdown()
    }

    @Test("a reload with no site to confirm counts as reloaded, not confirmed; a failing command as failed")
    func reloadOutcomesWithoutConfirmation() async throws {
        let probe = MetricsProbe()
        let prober = ScriptedProber([nil])
        let reloader = NginxReloader(
            signal: ReloadSignal(.command("true")), debounce: .seconds(60),
            confirmation: StapleConfirmation(prober: prober),
            observer: probe.metrics, logger: outputLogger)
        await reloader.request(ReloadExpectation(site: "www", target: nil, staple: [1]))
        try await reloader.flush()
        #expect(prober.handshakes == 0, "nothing to confirm")
        #expect(probe.reloads(.reloaded) == 1 && probe.reloads(.confirmed) == 0)
        let failing = NginxReloader(
            signal: ReloadSignal(.command("exit 3")), debounce: .seconds(60),
            backoff: ReloadBackoff(base: .seconds(60), cap: .seconds(60)), observer: probe.metrics,
            logger: outputLogger)
        await failing.request(ReloadExpectation(site: "www", target: nil, staple: [1]))
        await #expect(throws: OutputError(.reloadFailed, "")) { try await failing.flush() }
        #expect(probe.reloads(.failed) == 1 && probe.reloads(.reloaded) == 1)
        await reloader.shutdown()
        await failing.shutdown()
    }

    @Test("SIGHUP with an unusable pid file is a reload failure naming the file")
    func badPidFile() async throws {
        let directory = try TemporaryDirectory.make(prefix: "reloader")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let missing = ReloadSignal(.pidFile("\(directory)/nginx.pid"))
        await #expect(throws: OutputError(.reloadFailed, "")) { try await missing.perform() }
        try "not-a-pid\n".write(toFile: "\(directory)/nginx.pid", atomically: true, encoding: .utf8)
        do {
            try await missing.perform()
            Issue.record("a pid file without a number must fail")
        } catch {
            #expect(error.message.contains("\(directory)/nginx.pid"))
            #expect(error.reason.contains("not-a-pid"))
        }
    }

    @Test("nginx output: same bytes are unchanged (no reload asked); a withdrawal without include_file is refused")
    func nginxOutputDecisions() async throws {
        let pki = try TestPKI(name: "ngx-logic")
        defer { pki.remove() }
        let leaf = try pki.issue(writePEM: false)
        let staple = try judgedStaple(pki, leaf)
        let reloader = NginxReloader(
            signal: ReloadSignal(.command("true")), debounce: .seconds(60),
            confirmation: StapleConfirmation(prober: ScriptedProber([staple.bytes])), logger: outputLogger)
        let output = NginxOutput(
            configuration: NginxOutputConfiguration(stapleFile: pki.path("www.der"), reload: .command("true")),
            site: "www", reloader: reloader, logger: outputLogger)
        #expect(try await output.install(update(pki, leaf, staple)) == .installed)
        #expect(await reloader.hasPending)
        try await output.flush()
        #expect(await reloader.reloadCount == 1)
        #expect(try await output.install(update(pki, leaf, staple)) == .unchanged)
        #expect(await !reloader.hasPending)
        guard case .refused(let reason) = try await output.install(update(pki, leaf, nil)) else {
            Issue.record("a withdrawal without include_file cannot be done")
            return
        }
        #expect(reason.contains("include_file"))
        #expect(try pki.bytes("www.der") == staple.bytes, "the staple file is left as it was")
        await reloader.shutdown()
    }

    @Test("a staple past its serving end is never written: nginx and HAProxy treat it as a withdrawal")
    func expiredStapleWithdrawn() async throws {
        let pki = try TestPKI(name: "expired")
        defer { pki.remove() }
        let leaf = try pki.issue(fileName: "site")
        let staple = try judgedStaple(pki, leaf, nextUpdate: Date() + 3600)
        let later: @Sendable () -> Date = { Date() + 7200 }
        let reloader = NginxReloader(
            signal: ReloadSignal(.command("true")), debounce: .seconds(60),
            confirmation: StapleConfirmation(prober: ScriptedProber([nil])), logger: outputLogger)
        let nginx = NginxOutput(
            configuration: NginxOutputConfiguration(
                stapleFile: pki.path("site.der"), reload: .command("true"), includeFile: pki.path("site.conf")),
            site: "www", reloader: reloader, logger: outputLogger, now: later)
        #expect(try await nginx.install(update(pki, leaf, staple)) == .withdrawn)
        #expect(!FileManager.default.fileExists(atPath: pki.path("site.der")))
        #expect(try String(contentsOfFile: pki.path("site.conf"), encoding: .utf8) == NginxSnippet.withdrawn)
        try await nginx.flush()
        let haproxy = HAProxyOutput(
            configuration: HAProxyOutputConfiguration(crt: leaf.pemPath), site: "www", logger: outputLogger, now: later)
        #expect(try await haproxy.install(update(pki, leaf, staple)) == .withdrawn)
        #expect(FileManager.default.contents(atPath: haproxy.ocspPath) == Data())
        await reloader.shutdown()
    }

    @Test("the factory makes each configured output; sites reloaded the same way share one reloader")
    func factory() throws {
        let directory = try TemporaryDirectory.make(prefix: "factory")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let reloaders = NginxReloaders(logger: outputLogger)
        func site(_ name: String, reload: NginxOutputConfiguration.Reload) -> SiteConfiguration {
            SiteConfiguration(
                name: name, certificate: "\(directory)/\(name).pem",
                nginx: NginxOutputConfiguration(
                    stapleFile: "\(directory)/\(name).der", reload: reload, confirm: "127.0.0.1:443",
                    includeFile: "\(directory)/\(name).conf"),
                haproxy: HAProxyOutputConfiguration(
                    crt: "\(directory)/\(name).pem", socket: .tcp(host: "127.0.0.1", port: 9999)),
                directory: "\(directory)/out")
        }
        let a = try OutputFactory.outputs(
            for: site("a", reload: .command("nginx -s reload")), reloaders: reloaders, logger: outputLogger)
        let b = try OutputFactory.outputs(
            for: site("b", reload: .command("nginx -s reload")), reloaders: reloaders, logger: outputLogger)
        let c = try OutputFactory.outputs(
            for: site("c", reload: .pidFile("/run/nginx.pid")), reloaders: reloaders, logger: outputLogger)
        #expect(a.map(\.kind) == ["nginx", "haproxy", "directory"])
        let reloaderOf = { (outputs: [any StapleOutput]) in (outputs[0] as? NginxOutput)?.reloader }
        #expect(reloaderOf(a) === reloaderOf(b))
        #expect(reloaderOf(a) !== reloaderOf(c))
        #expect(reloaders.all.count == 2)
        #expect(
            try String(contentsOfFile: "\(directory)/a.conf", encoding: .utf8) == NginxSnippet.withdrawn,
            "nginx can start")
        var bad = site("d", reload: .command("true"))
        bad.nginx?.confirm = "no-port"
        #expect(throws: OutputError(.invalidAddress, "")) {
            try OutputFactory.outputs(for: bad, reloaders: reloaders, logger: outputLogger)
        }
        var long = site("e", reload: .command("true"))
        long.haproxy?.socket = .unix(path: "/run/" + String(repeating: "h", count: 93))
        #expect(throws: OutputError(.socketPathTooLong, "")) {
            try OutputFactory.outputs(for: long, reloaders: reloaders, logger: outputLogger)
        }
        long.haproxy?.socket = .unix(path: "/run/" + String(repeating: "h", count: 92))
        #expect(
            try OutputFactory.outputs(for: long, reloaders: reloaders, logger: outputLogger).count == 3,
            "97 bytes is fine")
    }

    @Test("an installed staple nobody replaces is withdrawn at its serving end minus the lead; a newer one moves that")
    func scheduledWithdrawal() async throws {
        let pki = try TestPKI(name: "scheduled")
        defer { pki.remove() }
        let leaf = try pki.issue(writePEM: false)
        let reloader = NginxReloader(
            signal: ReloadSignal(.command("true")), debounce: .milliseconds(50),
            confirmation: StapleConfirmation(prober: ScriptedProber([nil])), logger: outputLogger)
        let output = NginxOutput(
            configuration: NginxOutputConfiguration(
                stapleFile: pki.path("www.der"), reload: .command("true"), includeFile: pki.path("www.conf")),
            site: "www", reloader: reloader, logger: outputLogger, withdrawalLead: 3600)
        let soon = try judgedStaple(pki, leaf, nextUpdate: Date() + 3602)
        #expect(try await output.install(update(pki, leaf, soon)) == .installed)
        #expect(await reloader.hasScheduledWithdrawal(site: "www"))
        #expect(try String(contentsOfFile: pki.path("www.conf"), encoding: .utf8) != NginxSnippet.withdrawn)
        #expect(
            await eventually(within: 60) {
                (try? String(contentsOfFile: pki.path("www.conf"), encoding: .utf8)) == NginxSnippet.withdrawn
            })
        #expect(
            await eventually(within: 60) { await reloader.reloadCount == 2 }, "one reload to install, one to withdraw")
        #expect(await !reloader.hasScheduledWithdrawal(site: "www"))
        // Within the lead already: never written.
        let tooShort = try judgedStaple(pki, leaf, thisUpdate: Date() - 30, nextUpdate: Date() + 1800)
        #expect(try await output.install(update(pki, leaf, tooShort)) == .unchanged, "withdrawn already")
        #expect(try pki.bytes("www.der") == soon.bytes)
        // A newer staple with time left cancels the schedule's effect and moves it.
        let fresh = try judgedStaple(pki, leaf, thisUpdate: Date() - 10, nextUpdate: Date() + 86_400)
        #expect(try await output.install(update(pki, leaf, fresh)) == .installed)
        #expect(await reloader.hasScheduledWithdrawal(site: "www"))
        await reloader.shutdown()
    }

    @Test("confirmation wants two handshakes in a row with the new staple: an old worker in between starts over")
    func confirmationInARow() async throws {
        let policy = ConfirmationPolicy(attempts: 5, interval: .milliseconds(1), handshakeTimeout: .seconds(1))
        let target = ConfirmTarget(host: "127.0.0.1", port: 443, serverName: nil)
        let flapping = ScriptedProber([[1], [0], [1], [1]])
        try await StapleConfirmation(prober: flapping, policy: policy).confirm(target, carries: [1], site: "www")
        #expect(flapping.handshakes == 4)
        let never = ScriptedProber([[1], [0], [1], [0], [1], [0]])
        await #expect(throws: OutputError(.unconfirmed, "")) {
            try await StapleConfirmation(prober: never, policy: policy).confirm(target, carries: [1], site: "www")
        }
        #expect(never.handshakes == 5)
    }
}
