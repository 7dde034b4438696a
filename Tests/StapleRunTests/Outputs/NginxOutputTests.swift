import Foundation
import OCSPCore
import StapleTestSupport
import Stapling
import SwiftASN1
import Testing

@testable import StapleRun

/// The nginx output against Debian's nginx 1.22 with `worker_processes 2`, a PKI per test, and the
/// staple file and include snippet managed by ``NginxOutput``. Reloads are also read back from the
/// `staple_run_reloads_total{outcome}` counters the reloader reports to.
@Suite("run outputs: nginx", .enabled(if: nginxTestsEnabled, Comment(rawValue: nginxMissingReason)))
struct NginxOutputTests {
    /// One `server{}` of the private nginx: its certificate, port, and the files staple run manages.
    struct Site {
        var leaf: TestPKI.Leaf
        var port: Int
        var name: String { leaf.certificate.subject.description.replacingOccurrences(of: "CN=", with: "") }
        var stapleFile: String
        var includeFile: String

        init(_ pki: TestPKI, name: String) throws {
            leaf = try pki.issue(commonName: name, fileName: name)
            port = try SystemTools.freePort()
            stapleFile = pki.path("\(name).der")
            includeFile = pki.path("\(name).conf")
        }

        /// What the operator writes: the snippet included instead of the ssl_stapling lines.
        var server: String {
            """
                server {
                    listen 127.0.0.1:\(port) ssl;
                    server_name \(name);
                    ssl_protocols TLSv1.2 TLSv1.3;
                    ssl_certificate \(leaf.pemPath);
                    ssl_certificate_key \(leaf.keyPath);
                    include \(includeFile);
                    return 200 "ok\\n";
                }
            """
        }

        func configuration(reload: NginxOutputConfiguration.Reload) -> NginxOutputConfiguration {
            NginxOutputConfiguration(
                stapleFile: stapleFile, reload: reload, confirm: "127.0.0.1:\(port)", serverName: name,
                includeFile: includeFile)
        }
    }

    /// What every test here starts from: a PKI, its sites (`www.test` unless told), the nginx prefix
    /// directory, and the metrics the reloaders report to.
    struct Fixture {
        let pki: TestPKI
        let sites: [Site]
        let probe = MetricsProbe()

        init(_ name: String, sites names: [String] = ["www.test"]) throws {
            let pki = try TestPKI(name: name)
            self.pki = pki
            sites = try names.map { try Site(pki, name: $0) }
        }

        var site: Site { sites[0] }
        var root: String { pki.path("nginx") }
        /// `nginx -p ROOT -c ROOT/nginx.conf -s reload`.
        var reloadCommand: NginxOutputConfiguration.Reload {
            .command("nginx -p \(root) -c \(root)/nginx.conf -s reload")
        }

        /// A reloader for `method` (the reload command unless told) reporting to ``probe``.
        func reloader(
            _ method: NginxOutputConfiguration.Reload? = nil, debounce: Duration = .milliseconds(500),
            backoff: ReloadBackoff = .default
        ) -> NginxReloader {
            NginxReloader(
                signal: ReloadSignal(method ?? reloadCommand), debounce: debounce, backoff: backoff,
                observer: probe.metrics, logger: outputLogger)
        }

        /// The output of `site` (the first unless told), reloaded by `reloader`'s method.
        func output(
            _ reloader: NginxReloader, for site: Site? = nil,
            withdrawalLead: TimeInterval = NginxOutput.defaultWithdrawalLead
        ) -> NginxOutput {
            let site = site ?? self.site
            return NginxOutput(
                configuration: site.configuration(reload: reloader.signal.method), site: site.name,
                reloader: reloader, logger: outputLogger, withdrawalLead: withdrawalLead)
        }

        /// Starts nginx with `worker_processes 2` and every site's `server{}`.
        func start() async throws -> NginxProcess {
            try await NginxProcess(
                root: root, port: sites[0].port, workers: 2, http: sites.map(\.server).joined(separator: "\n"))
        }

        /// A staple judged good for `site` (the first unless told).
        func staple(
            for site: Site? = nil, thisUpdate: Date = Date() - 60, nextUpdate: Date? = Date() + 86_400
        ) throws -> Staple {
            try judgedStaple(pki, (site ?? self.site).leaf, thisUpdate: thisUpdate, nextUpdate: nextUpdate)
        }

        /// Asks `output` to install `staple` (nil: withdraw) for `site` (the first unless told).
        func install(_ staple: Staple?, in output: NginxOutput, for site: Site? = nil) async throws -> OutputOutcome {
            try await output.install(update(pki, (site ?? self.site).leaf, staple))
        }

        /// The staple nginx sends `site` (the first unless told) now, nil when none.
        func served(_ site: Site? = nil) async throws -> [UInt8]? {
            let site = site ?? self.site
            return try await servedStaple(port: site.port, serverName: site.name)
        }

        /// Writes `staple` and the snippet that staples it, as a previous run would have left them.
        func preinstall(_ staple: Staple) throws {
            try OutputFiles.write(staple.bytes, to: site.stapleFile)
            try OutputFiles.write(Array(NginxSnippet.stapling(file: site.stapleFile).utf8), to: site.includeFile)
        }

        func remove() { pki.remove() }
    }

    @Test("each of the first four s_client -status connections after nginx starts carries the installed staple")
    func firstFourConnectionsStapled() async throws {
        let fixture = try Fixture("ngx-first")
        defer { fixture.remove() }
        let site = fixture.site
        let thisUpdate = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 120).rounded(.down))
        let staple = try fixture.staple(thisUpdate: thisUpdate)
        let reloader = fixture.reloader()
        let output = fixture.output(reloader)
        try output.prepare()
        #expect(try String(contentsOfFile: site.includeFile, encoding: .utf8) == NginxSnippet.withdrawn)
        #expect(try await fixture.install(staple, in: output) == .installed)
        await reloader.shutdown()  // nginx is not running yet: it reads the files when it starts
        let nginx = try await fixture.start()
        defer { nginx.stop() }
        for connection in 1...4 {
            let seen = try SClientStaple.connect(port: site.port, serverName: site.name)
            #expect(seen.stapled, "connection \(connection): \(seen.text)\n\(nginx.errorLog)")
            #expect(seen.serial == site.leaf.serialHex, "connection \(connection)")
            #expect(seen.certStatus == "good", "connection \(connection)")
            #expect(seen.thisUpdate == opensslTime(thisUpdate), "connection \(connection): \(seen.text)")
        }
        #expect(try await fixture.served() == staple.bytes)
        #expect(fixture.probe.reloads(.confirmed) == 0, "shut down before its debounce: no reload")
    }

    @Test(
        "a newer staple: one debounced, confirmed reload (counted as confirmed), after which nginx serves the new bytes"
    )
    func newerStapleOneReload() async throws {
        let fixture = try Fixture("ngx-newer")
        defer { fixture.remove() }
        let first = try fixture.staple(thisUpdate: Date() - 3600)
        try fixture.preinstall(first)
        let nginx = try await fixture.start()
        defer { nginx.stop() }
        #expect(try await fixture.served() == first.bytes)
        let reloader = fixture.reloader()
        let output = fixture.output(reloader)
        #expect(try await fixture.install(first, in: output) == .unchanged)
        let newer = try fixture.staple(thisUpdate: Date() - 60)
        #expect(try await fixture.install(newer, in: output) == .installed)
        #expect(await reloader.reloadCount == 0, "debounced: not yet")
        #expect(await eventually(within: 60) { await reloader.confirmedCount == 1 }, "\(nginx.errorLog)")
        #expect(await reloader.reloadCount == 1)
        #expect(fixture.probe.reloads(.confirmed) == 1)
        #expect(fixture.probe.reloads(.failed) == 0 && fixture.probe.reloads(.unconfirmed) == 0)
        for _ in 1...4 { #expect(try await fixture.served() == newer.bytes) }
        await reloader.shutdown()
    }

    @Test("two sites changing within the debounce window: one reload, both confirmed and served")
    func twoSitesOneReload() async throws {
        let fixture = try Fixture("ngx-two", sites: ["a.test", "b.test"])
        defer { fixture.remove() }
        let root = fixture.root
        // The command also counts its runs, independently of the reloader's own count.
        let counted = NginxOutputConfiguration.Reload.command(
            "echo run >> \(fixture.pki.path("reloads")); nginx -p \(root) -c \(root)/nginx.conf -s reload")
        let reloader = fixture.reloader(counted, debounce: .seconds(1))
        let outputs = fixture.sites.map { fixture.output(reloader, for: $0) }
        for output in outputs { try output.prepare() }
        let nginx = try await fixture.start()
        defer { nginx.stop() }
        for site in fixture.sites { #expect(try await fixture.served(site) == nil) }
        let staples = try fixture.sites.map { try fixture.staple(for: $0) }
        for (index, site) in fixture.sites.enumerated() {
            #expect(try await fixture.install(staples[index], in: outputs[index], for: site) == .installed)
        }
        #expect(await eventually(within: 60) { await reloader.confirmedCount == 1 }, "\(nginx.errorLog)")
        #expect(await reloader.reloadCount == 1)
        #expect(fixture.probe.reloads(.confirmed) == 1, "one reload for both sites")
        for (index, site) in fixture.sites.enumerated() {
            #expect(try await fixture.served(site) == staples[index].bytes)
        }
        #expect(
            try String(contentsOfFile: fixture.pki.path("reloads"), encoding: .utf8) == "run\n",
            "one reload command run")
        await reloader.shutdown()
    }

    @Test(
        "a reload nginx refuses: thrown with nginx's [emerg] words, retried, counted as failed, the staple file intact, the old staple still served"
    )
    func failingReload() async throws {
        let fixture = try Fixture("ngx-fail")
        defer { fixture.remove() }
        let first = try fixture.staple(thisUpdate: Date() - 3600)
        try fixture.preinstall(first)
        let nginx = try await fixture.start()
        defer { nginx.stop() }
        // nginx -s reload parses the configuration first: a configuration it refuses exits 1.
        let broken = NginxOutputConfiguration.Reload.command(
            "nginx -p \(fixture.root) -c \(fixture.root)/missing.conf -s reload")
        let reloader = fixture.reloader(
            broken, debounce: .seconds(60), backoff: ReloadBackoff(base: .milliseconds(300), cap: .milliseconds(300)))
        let output = fixture.output(reloader)
        let newer = try fixture.staple(thisUpdate: Date() - 60)
        #expect(try await fixture.install(newer, in: output) == .installed)
        do {
            try await output.flush()
            Issue.record("the reload must fail")
        } catch let error as OutputError {
            #expect(error.code == .reloadFailed)
            #expect(error.reason.contains("exited 1"), "\(error)")
            #expect(error.reason.contains("[emerg]") && error.reason.contains("missing.conf"), "\(error)")
        }
        #expect(try fixture.pki.bytes("www.test.der") == newer.bytes, "the staple file is intact")
        #expect(await eventually(within: 60) { await reloader.reloadCount >= 3 }, "retried with backoff")
        await reloader.shutdown()
        #expect(await reloader.confirmedCount == 0)
        // A cycle under way at shutdown still completes and reports.
        #expect(
            await eventually(within: 60) { fixture.probe.reloads(.failed) == Double(await reloader.reloadCount) },
            "every attempt counted as failed")
        #expect(fixture.probe.reloads(.confirmed) == 0)
        #expect(try await fixture.served() == first.bytes)
    }

    @Test(
        "a revoked answer: no staple made, the snippet switches stapling off, clients get none (never the revoked one)")
    func withdrawal() async throws {
        let fixture = try Fixture("ngx-withdraw")
        defer { fixture.remove() }
        let (pki, site) = (fixture.pki, fixture.site)
        let good = try fixture.staple(thisUpdate: Date() - 3600)
        let reloader = fixture.reloader(debounce: .milliseconds(200))
        #expect(try await fixture.install(good, in: fixture.output(reloader)) == .installed)
        await reloader.shutdown()
        let nginx = try await fixture.start()
        defer { nginx.stop() }
        #expect(try await fixture.served() == good.bytes)

        let revoked = try pki.signedResponse(
            for: site.leaf.certificate, status: .revoked(time: try GeneralizedTime(Date() - 30), reason: nil))
        let judgement = StapleJudgement(
            response: revoked, certificate: site.leaf.certificate, issuer: pki.ca, verifier: OCSPVerifier(),
            currentThisUpdate: good.thisUpdate, policy: RefreshPolicy(), now: Date())
        guard case .revoked = judgement.acceptance else {
            Issue.record("expected revoked, got \(judgement.acceptance)")
            return
        }
        #expect(judgement.acceptance.staple == nil)
        let withdrawing = fixture.reloader(debounce: .milliseconds(200))
        let after = fixture.output(withdrawing)
        #expect(try await fixture.install(judgement.acceptance.staple, in: after) == .withdrawn)
        try await after.flush()  // confirmed: a handshake without staple
        #expect(await withdrawing.confirmedCount == 1)
        #expect(fixture.probe.reloads(.confirmed) == 1, "the withdrawal's reload, confirmed without a staple")
        #expect(try String(contentsOfFile: site.includeFile, encoding: .utf8) == NginxSnippet.withdrawn)
        for connection in 1...4 {
            let seen = try SClientStaple.connect(port: site.port, serverName: site.name)
            #expect(seen.text.contains("OCSP response: no response sent"), "connection \(connection): \(seen.text)")
            #expect(!seen.stapled && seen.certStatus == nil, "connection \(connection)")
        }
        #expect(try await fixture.install(nil, in: after) == .unchanged)
        // A good staple again heals it.
        let healed = try fixture.staple(thisUpdate: Date() - 10)
        #expect(try await fixture.install(healed, in: after) == .installed)
        try await after.flush()
        #expect(try await fixture.served() == healed.bytes)
        await withdrawing.shutdown()
    }

    @Test("reload by SIGHUP to the pid in nginx's pid file, confirmed by a handshake")
    func sighupReload() async throws {
        let fixture = try Fixture("ngx-hup")
        defer { fixture.remove() }
        let reloader = fixture.reloader(.pidFile("\(fixture.root)/nginx.pid"), debounce: .seconds(60))
        let output = fixture.output(reloader)
        try output.prepare()
        let nginx = try await fixture.start()
        defer { nginx.stop() }
        let staple = try fixture.staple()
        #expect(try await fixture.install(staple, in: output) == .installed)
        try await output.flush()
        #expect(await reloader.reloadCount == 1)
        #expect(fixture.probe.reloads(.confirmed) == 1)
        #expect(try await fixture.served() == staple.bytes)
        await reloader.shutdown()
    }

    @Test(
        "responder outage: the last staple is served until shortly before it expires, then none (never an expired one); a new one heals it"
    )
    func outageWithdrawsBeforeExpiry() async throws {
        let fixture = try Fixture("ngx-outage")
        defer { fixture.remove() }
        let reloader = fixture.reloader(debounce: .milliseconds(200))
        // Withdrawn 25 s before the serving end here (5 minutes by default): room for a reload and
        // the old workers' hand-over on a loaded machine.
        let output = fixture.output(reloader, withdrawalLead: 25)
        try output.prepare()
        let nginx = try await fixture.start()
        defer { nginx.stop() }
        let nextUpdate = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 40).rounded(.down))
        let brief = try fixture.staple(thisUpdate: Date() - 60, nextUpdate: nextUpdate)
        #expect(try await fixture.install(brief, in: output) == .installed)
        try await output.flush()
        #expect(try await fixture.served() == brief.bytes)
        // No newer staple comes (the responder is down): poll until nginx staples nothing.
        var lastStapled = Date()
        let withdrawn = try await eventually(within: 60) {
            let served = try await fixture.served()
            if served != nil {
                #expect(served == brief.bytes)
                lastStapled = Date()
            }
            return served == nil
        }
        #expect(withdrawn, "\(nginx.errorLog)")
        #expect(lastStapled < nextUpdate, "never stapled at or after its nextUpdate")
        #expect(
            try String(contentsOfFile: fixture.site.includeFile, encoding: .utf8) == NginxSnippet.withdrawn)
        #expect(try fixture.pki.bytes("www.test.der") == brief.bytes, "the staple file is left as it was")
        // The old workers may take a few handshakes more while they hand over to the new ones.
        #expect(await eventually(within: 60) { await reloader.confirmedCount == 2 }, "the withdrawal reload confirmed")
        try await Task.sleep(for: .seconds(1))
        for _ in 1...3 {
            let served = try await fixture.served()
            #expect(
                served == nil,
                "\(served == brief.bytes ? "the brief staple" : "another staple") at \(Date()), nextUpdate \(nextUpdate)"
            )
        }
        // The responder is back: a good staple heals it.
        let healed = try fixture.staple()
        #expect(try await fixture.install(healed, in: output) == .installed)
        try await output.flush()
        #expect(try await fixture.served() == healed.bytes)
        await reloader.shutdown()
    }
}
