import Foundation
import OCSPCore
import StapleTestSupport
import Stapling
import SwiftASN1
import Testing

@testable import StapleRun

/// The nginx output against Debian's nginx 1.22 with `worker_processes 2`, a PKI per test, and the
/// staple file and include snippet managed by ``NginxOutput``.
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

    static func reloadCommand(_ root: String) -> NginxOutputConfiguration.Reload {
        .command("nginx -p \(root) -c \(root)/nginx.conf -s reload")
    }

    static func reloader(
        _ method: NginxOutputConfiguration.Reload, debounce: Duration = .milliseconds(500),
        backoff: ReloadBackoff = .default
    ) -> NginxReloader {
        NginxReloader(signal: ReloadSignal(method), debounce: debounce, backoff: backoff, logger: outputLogger)
    }

    static func start(_ pki: TestPKI, _ sites: [Site]) async throws -> NginxProcess {
        let root = pki.path("nginx")
        return try await NginxProcess(
            root: root, port: sites[0].port, workers: 2, http: sites.map(\.server).joined(separator: "\n"))
    }

    @Test("each of the first four s_client -status connections after nginx starts carries the installed staple")
    func firstFourConnectionsStapled() async throws {
        let pki = try TestPKI(name: "ngx-first")
        defer { pki.remove() }
        let site = try Site(pki, name: "www.test")
        let thisUpdate = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 120).rounded(.down))
        let staple = try judgedStaple(pki, site.leaf, thisUpdate: thisUpdate)
        let root = pki.path("nginx")
        let reloader = Self.reloader(Self.reloadCommand(root))
        let output = NginxOutput(
            configuration: site.configuration(reload: Self.reloadCommand(root)), site: "www", reloader: reloader,
            logger: outputLogger)
        try output.prepare()
        #expect(try String(contentsOfFile: site.includeFile, encoding: .utf8) == NginxSnippet.withdrawn)
        #expect(try await output.install(update(pki, site.leaf, staple)) == .installed)
        await reloader.shutdown()  // nginx is not running yet: it reads the files when it starts
        let nginx = try await Self.start(pki, [site])
        defer { nginx.stop() }
        for connection in 1...4 {
            let seen = try SClientStaple.connect(port: site.port, serverName: site.name)
            #expect(seen.stapled, "connection \(connection): \(seen.text)\n\(nginx.errorLog)")
            #expect(seen.serial == site.leaf.serialHex, "connection \(connection)")
            #expect(seen.certStatus == "good", "connection \(connection)")
            #expect(seen.thisUpdate == opensslTime(thisUpdate), "connection \(connection): \(seen.text)")
        }
        #expect(try await servedStaple(port: site.port, serverName: site.name) == staple.bytes)
    }

    @Test("a newer staple: one debounced, confirmed reload, after which nginx serves the new bytes")
    func newerStapleOneReload() async throws {
        let pki = try TestPKI(name: "ngx-newer")
        defer { pki.remove() }
        let site = try Site(pki, name: "www.test")
        let first = try judgedStaple(pki, site.leaf, thisUpdate: Date() - 3600)
        let root = pki.path("nginx")
        try OutputFiles.write(first.bytes, to: site.stapleFile)
        try OutputFiles.write(Array(NginxSnippet.stapling(file: site.stapleFile).utf8), to: site.includeFile)
        let nginx = try await Self.start(pki, [site])
        defer { nginx.stop() }
        #expect(try await servedStaple(port: site.port, serverName: site.name) == first.bytes)
        let reloader = Self.reloader(Self.reloadCommand(root))
        let output = NginxOutput(
            configuration: site.configuration(reload: Self.reloadCommand(root)), site: "www", reloader: reloader,
            logger: outputLogger)
        #expect(try await output.install(update(pki, site.leaf, first)) == .unchanged)
        let newer = try judgedStaple(pki, site.leaf, thisUpdate: Date() - 60)
        #expect(try await output.install(update(pki, site.leaf, newer)) == .installed)
        #expect(await reloader.reloadCount == 0, "debounced: not yet")
        #expect(await eventually(within: 30) { await reloader.confirmedCount == 1 }, "\(nginx.errorLog)")
        #expect(await reloader.reloadCount == 1)
        for _ in 1...4 {
            #expect(try await servedStaple(port: site.port, serverName: site.name) == newer.bytes)
        }
        await reloader.shutdown()
    }

    @Test("two sites changing within the debounce window: one reload, both confirmed and served")
    func twoSitesOneReload() async throws {
        let pki = try TestPKI(name: "ngx-two")
        defer { pki.remove() }
        let sites = [try Site(pki, name: "a.test"), try Site(pki, name: "b.test")]
        let root = pki.path("nginx")
        // The command also counts its runs, independently of the reloader's own count.
        let counted = NginxOutputConfiguration.Reload.command(
            "echo run >> \(pki.path("reloads")); nginx -p \(root) -c \(root)/nginx.conf -s reload")
        let reloader = Self.reloader(counted, debounce: .seconds(1))
        let outputs = sites.map {
            NginxOutput(
                configuration: $0.configuration(reload: counted), site: $0.name, reloader: reloader,
                logger: outputLogger)
        }
        for output in outputs { try output.prepare() }
        let nginx = try await Self.start(pki, sites)
        defer { nginx.stop() }
        for site in sites { #expect(try await servedStaple(port: site.port, serverName: site.name) == nil) }
        let staples = try sites.map { try judgedStaple(pki, $0.leaf) }
        for (index, output) in outputs.enumerated() {
            #expect(try await output.install(update(pki, sites[index].leaf, staples[index])) == .installed)
        }
        #expect(await eventually(within: 30) { await reloader.confirmedCount == 1 }, "\(nginx.errorLog)")
        #expect(await reloader.reloadCount == 1)
        for (index, site) in sites.enumerated() {
            #expect(try await servedStaple(port: site.port, serverName: site.name) == staples[index].bytes)
        }
        #expect(try String(contentsOfFile: pki.path("reloads"), encoding: .utf8) == "run\n", "one reload command run")
        await reloader.shutdown()
    }

    @Test(
        "a reload nginx refuses: thrown with nginx's [emerg] words, retried, the staple file intact, the old staple still served"
    )
    func failingReload() async throws {
        let pki = try TestPKI(name: "ngx-fail")
        defer { pki.remove() }
        let site = try Site(pki, name: "www.test")
        let first = try judgedStaple(pki, site.leaf, thisUpdate: Date() - 3600)
        let root = pki.path("nginx")
        try OutputFiles.write(first.bytes, to: site.stapleFile)
        try OutputFiles.write(Array(NginxSnippet.stapling(file: site.stapleFile).utf8), to: site.includeFile)
        let nginx = try await Self.start(pki, [site])
        defer { nginx.stop() }
        // nginx -s reload parses the configuration first: a configuration it refuses exits 1.
        let broken = NginxOutputConfiguration.Reload.command("nginx -p \(root) -c \(root)/missing.conf -s reload")
        let reloader = Self.reloader(
            broken, debounce: .seconds(60), backoff: ReloadBackoff(base: .milliseconds(300), cap: .milliseconds(300)))
        let output = NginxOutput(
            configuration: site.configuration(reload: broken), site: "www", reloader: reloader, logger: outputLogger)
        let newer = try judgedStaple(pki, site.leaf, thisUpdate: Date() - 60)
        #expect(try await output.install(update(pki, site.leaf, newer)) == .installed)
        do {
            try await output.flush()
            Issue.record("the reload must fail")
        } catch let error as OutputError {
            #expect(error.code == .reloadFailed)
            #expect(error.reason.contains("exited 1"), "\(error)")
            #expect(error.reason.contains("[emerg]") && error.reason.contains("missing.conf"), "\(error)")
        }
        #expect(try pki.bytes("www.test.der") == newer.bytes, "the staple file is intact")
        #expect(await eventually(within: 20) { await reloader.reloadCount >= 3 }, "retried with backoff")
        #expect(await reloader.confirmedCount == 0)
        #expect(try await servedStaple(port: site.port, serverName: site.name) == first.bytes)
        await reloader.shutdown()
    }

    @Test(
        "a revoked answer: no staple made, the snippet switches stapling off, clients get none (never the revoked one)")
    func withdrawal() async throws {
        let pki = try TestPKI(name: "ngx-withdraw")
        defer { pki.remove() }
        let site = try Site(pki, name: "www.test")
        let good = try judgedStaple(pki, site.leaf, thisUpdate: Date() - 3600)
        let root = pki.path("nginx")
        let reloader = Self.reloader(Self.reloadCommand(root), debounce: .milliseconds(200))
        let output = NginxOutput(
            configuration: site.configuration(reload: Self.reloadCommand(root)), site: "www", reloader: reloader,
            logger: outputLogger)
        #expect(try await output.install(update(pki, site.leaf, good)) == .installed)
        await reloader.shutdown()
        let nginx = try await Self.start(pki, [site])
        defer { nginx.stop() }
        #expect(try await servedStaple(port: site.port, serverName: site.name) == good.bytes)

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
        let withdrawing = Self.reloader(Self.reloadCommand(root), debounce: .milliseconds(200))
        let after = NginxOutput(
            configuration: site.configuration(reload: Self.reloadCommand(root)), site: "www", reloader: withdrawing,
            logger: outputLogger)
        #expect(try await after.install(update(pki, site.leaf, judgement.acceptance.staple)) == .withdrawn)
        try await after.flush()  // confirmed: a handshake without staple
        #expect(await withdrawing.confirmedCount == 1)
        #expect(try String(contentsOfFile: site.includeFile, encoding: .utf8) == NginxSnippet.withdrawn)
        for connection in 1...4 {
            let seen = try SClientStaple.connect(port: site.port, serverName: site.name)
            #expect(seen.text.contains("OCSP response: no response sent"), "connection \(connection): \(seen.text)")
            #expect(!seen.stapled && seen.certStatus == nil, "connection \(connection)")
        }
        #expect(try await after.install(update(pki, site.leaf, nil)) == .unchanged)
        // A good staple again heals it.
        let healed = try judgedStaple(pki, site.leaf, thisUpdate: Date() - 10)
        #expect(try await after.install(update(pki, site.leaf, healed)) == .installed)
        try await after.flush()
        #expect(try await servedStaple(port: site.port, serverName: site.name) == healed.bytes)
        await withdrawing.shutdown()
    }

    @Test("reload by SIGHUP to the pid in nginx's pid file, confirmed by a handshake")
    func sighupReload() async throws {
        let pki = try TestPKI(name: "ngx-hup")
        defer { pki.remove() }
        let site = try Site(pki, name: "www.test")
        let root = pki.path("nginx")
        let method = NginxOutputConfiguration.Reload.pidFile("\(root)/nginx.pid")
        let reloader = Self.reloader(method, debounce: .seconds(60))
        let output = NginxOutput(
            configuration: site.configuration(reload: method), site: "www", reloader: reloader, logger: outputLogger)
        try output.prepare()
        let nginx = try await Self.start(pki, [site])
        defer { nginx.stop() }
        let staple = try judgedStaple(pki, site.leaf)
        #expect(try await output.install(update(pki, site.leaf, staple)) == .installed)
        try await output.flush()
        #expect(await reloader.reloadCount == 1)
        #expect(try await servedStaple(port: site.port, serverName: site.name) == staple.bytes)
        await reloader.shutdown()
    }

    @Test(
        "responder outage: the last staple is served until shortly before it expires, then none (never an expired one); a new one heals it"
    )
    func outageWithdrawsBeforeExpiry() async throws {
        let pki = try TestPKI(name: "ngx-outage")
        defer { pki.remove() }
        let site = try Site(pki, name: "www.test")
        let root = pki.path("nginx")
        let reloader = Self.reloader(Self.reloadCommand(root), debounce: .milliseconds(200))
        // Withdrawn 5 s before the serving end here (5 minutes by default).
        let output = NginxOutput(
            configuration: site.configuration(reload: Self.reloadCommand(root)), site: "www", reloader: reloader,
            logger: outputLogger, withdrawalLead: 5)
        try output.prepare()
        let nginx = try await Self.start(pki, [site])
        defer { nginx.stop() }
        let nextUpdate = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 12).rounded(.down))
        let brief = try judgedStaple(pki, site.leaf, thisUpdate: Date() - 60, nextUpdate: nextUpdate)
        #expect(try await output.install(update(pki, site.leaf, brief)) == .installed)
        try await output.flush()
        #expect(try await servedStaple(port: site.port, serverName: site.name) == brief.bytes)
        // No newer staple comes (the responder is down): poll until nginx staples nothing.
        var lastStapled = Date()
        let withdrawn = try await eventually(within: 30) {
            let served = try await servedStaple(port: site.port, serverName: site.name)
            if served != nil {
                #expect(served == brief.bytes)
                lastStapled = Date()
            }
            return served == nil
        }
        #expect(withdrawn, "\(nginx.errorLog)")
        #expect(lastStapled < nextUpdate, "never stapled at or after its nextUpdate")
        #expect(try String(contentsOfFile: site.includeFile, encoding: .utf8) == NginxSnippet.withdrawn)
        #expect(try pki.bytes("www.test.der") == brief.bytes, "the staple file is left as it was")
        for _ in 1...3 { #expect(try await servedStaple(port: site.port, serverName: site.name) == nil) }
        // The responder is back: a good staple heals it.
        let healed = try judgedStaple(pki, site.leaf)
        #expect(try await output.install(update(pki, site.leaf, healed)) == .installed)
        try await output.flush()
        #expect(try await servedStaple(port: site.port, serverName: site.name) == healed.bytes)
        await reloader.shutdown()
    }
}
