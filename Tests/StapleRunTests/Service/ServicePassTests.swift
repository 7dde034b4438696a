import Foundation
import StapleTestSupport
import Stapling
import Testing

@testable import StapleRun

/// `--once` and `--renewed` at the library level: what one pass installs and its verdict.
@Suite struct ServicePassTests {
    @Test func aGoodAnswerIsStapled() async throws {
        let fixture = try await DirectorySite.make { now in .good(thisUpdate: now - 60, nextUpdate: now + 3600) }
        defer { Task { await fixture.responder.stop() } }
        let report = await (try fixture.service()).pass()
        #expect(report.verdict == .stapled)
        #expect(fixture.installed() != nil)
    }

    @Test func revokedAndUnknownAreJudged() async throws {
        for answer in [
            { (now: Date) in ScriptedResponder.Answer.revoked(thisUpdate: now - 60, nextUpdate: now + 3600) },
            { (now: Date) in ScriptedResponder.Answer.unknown(thisUpdate: now - 60, nextUpdate: now + 3600) },
        ] {
            let fixture = try await DirectorySite.make(answer: answer)
            let report = await (try fixture.service()).pass()
            await fixture.responder.stop()
            #expect(report.verdict == .judged)
            #expect(fixture.installed() == nil)
        }
    }

    @Test func anUnreachableResponderIsUnreachable() async throws {
        let fixture = try await DirectorySite.make { _ in .down }
        defer { Task { await fixture.responder.stop() } }
        let report = await (try fixture.service()).pass()
        #expect(report.verdict == .unreachable)
        #expect(report.status.sites.first?.lastFetch == "network")
        #expect(fixture.installed() == nil)
    }

    @Test func anExpiredStapleLeftInTheOutputIsWithdrawn() async throws {
        let fixture = try await DirectorySite.make { _ in .down }
        defer { Task { await fixture.responder.stop() } }
        let now = fixture.clock.now
        let expired = try fixture.pki.signedResponse(
            for: fixture.leaf.certificate, thisUpdate: now - 7200, nextUpdate: now - 3600)
        try Data(expired).write(to: URL(fileURLWithPath: fixture.stapleFile))
        _ = await (try fixture.service()).pass()
        #expect(fixture.installed() == nil)
    }

    @Test func renewedFetchesAndInstallsForTheNewCertificateBeforeReturning() async throws {
        let fixture = try await DirectorySite.make { now in .good(thisUpdate: now - 60, nextUpdate: now + 3600) }
        defer { Task { await fixture.responder.stop() } }
        _ = await (try fixture.service()).pass()
        let old = try #require(fixture.installed())
        // certbot replaces the chain (same path), then runs the deploy hook.
        let renewed = try fixture.pki.issue(
            commonName: "www.test", fileName: "www-chain", ocspURLs: [fixture.responder.url])
        fixture.responder.register(renewed.certificate)
        let report = try await (try fixture.service()).renewed(path: fixture.leaf.pemPath)
        #expect(report.verdict == .stapled)
        #expect(report.status.sites.first?.serial == renewed.serialHex)
        let installed = try #require(fixture.installed())
        #expect(installed != old)
        #expect(fixture.verification(installed, for: renewed.certificate).verdict == .good)
        // The lineage directory works too (certbot's $RENEWED_LINEAGE).
        let again = try await (try fixture.service()).renewed(path: fixture.pki.directory)
        #expect(again.status.sites.map(\.name) == ["www"])
        // A path no site uses is a usage error.
        await #expect(throws: RunError.self) { try await (try fixture.service()).renewed(path: "/nonexistent/x.pem") }
    }

    @Test func verdictsRankJudgedOverUnreachable() {
        func site(_ name: String, stapled: Bool, fetch: String?) -> SiteStatus {
            SiteStatus(name: name, certificate: "/c", serial: "01", stapled: stapled, lastFetch: fetch)
        }
        let now = Date()
        #expect(
            PassReport(RunStatus(generatedAt: now, service: "run", sites: [site("a", stapled: true, fetch: "good")]))
                .verdict == .stapled)
        #expect(
            PassReport(
                RunStatus(generatedAt: now, service: "run", sites: [site("a", stapled: false, fetch: "network")])
            ).verdict == .unreachable)
        #expect(
            PassReport(
                RunStatus(
                    generatedAt: now, service: "run",
                    sites: [site("a", stapled: false, fetch: "network"), site("b", stapled: false, fetch: "unknown")])
            ).verdict == .judged)
    }
}
