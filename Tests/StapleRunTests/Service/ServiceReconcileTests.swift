import Foundation
import OCSPCore
import StapleTestSupport
import Stapling
import Testing

@testable import StapleRun

/// `staple run` around the real engine, a real HTTP responder whose answer changes, and the
/// directory output: what gets installed, replaced, withdrawn and healed.
@Suite struct ServiceReconcileTests {
    @Test func installsAGoodStapleThenReplacesItWithALaterOne() async throws {
        let fixture = try await DirectorySite.make { now in .good(thisUpdate: now - 60, nextUpdate: now + 3600) }
        defer { Task { await fixture.responder.stop() } }
        let t0 = fixture.clock.now
        let service = try fixture.service()
        try await withRunning(service) {
            #expect(await eventually(within: 60) { fixture.installed() != nil })
            let first = try #require(fixture.installed())
            let verification = fixture.verification(first, for: fixture.leaf.certificate)
            #expect(verification.verdict == .good)
            #expect(verification.thisUpdate.map { abs($0.timeIntervalSince(t0 - 60)) < 1 } == true)

            fixture.responder.set(.good(thisUpdate: t0 + 1800, nextUpdate: t0 + 5400))
            fixture.clock.advance(by: 1900)  // past the first staple's half-life: the engine refreshes
            #expect(
                await eventually(within: 60) {
                    fixture.installed().flatMap { fixture.verification($0, for: fixture.leaf.certificate).thisUpdate }
                        .map { abs($0.timeIntervalSince(t0 + 1800)) < 1 } == true
                })
            // The event is counted once the engine has stored the staple, which may be after the
            // timer's reconcile installed it.
            #expect(await eventually(within: 60) { await service.status().sites.first?.successes == 2 })
            #expect(await service.status().sites.first?.stapled == true)
        }
    }

    @Test func aRevokedAnswerWithdrawsTheStapleAtOnceAndNeverInstallsOne() async throws {
        let fixture = try await DirectorySite.make { now in .good(thisUpdate: now - 60, nextUpdate: now + 3600) }
        defer { Task { await fixture.responder.stop() } }
        let t0 = fixture.clock.now
        let service = try fixture.service()
        try await withRunning(service) {
            #expect(await eventually(within: 60) { fixture.installed() != nil })
            fixture.responder.set(.revoked(thisUpdate: t0 + 1800, nextUpdate: t0 + 5400))
            fixture.clock.advance(by: 1900)
            #expect(await eventually(within: 60) { fixture.installed() == nil })
            // The timer's reconcile may withdraw the file from the engine's state before the engine's
            // event (recorded once its stored file is removed) reaches the status: wait for both.
            #expect(await eventually(within: 60) { await service.status().sites.first?.lastOutcome == "revoked" })
            let site = try #require(await service.status().sites.first)
            #expect(site.revoked)
            #expect(!site.stapled)
            // The engine asks again later: still revoked, still nothing installed.
            fixture.clock.advance(by: RefreshPolicy.defaultBackoffCap + 60)
            let answered = fixture.responder.answered
            #expect(await eventually(within: 60) { fixture.responder.answered > answered })
            try await Task.sleep(for: .milliseconds(200))
            #expect(fixture.installed() == nil)
        }
        let text = fixture.registry.emitToString()
        #expect(text.contains("staple_run_revocations_total 1"))
    }

    @Test func duringAnOutageTheLastGoodStapleStaysUntilShortlyBeforeItExpiresThenHeals() async throws {
        let fixture = try await DirectorySite.make { now in .good(thisUpdate: now - 60, nextUpdate: now + 3600) }
        defer { Task { await fixture.responder.stop() } }
        let service = try fixture.service()
        try await withRunning(service) {
            #expect(await eventually(within: 60) { fixture.installed() != nil })
            let good = try #require(fixture.installed())
            fixture.responder.set(.down)
            // Refresh time: the responder is down, the last good staple stays installed.
            fixture.clock.advance(by: 1900)
            #expect(await eventually(within: 60) { await service.status().sites.first?.lastFetch == "network" })
            try await Task.sleep(for: .milliseconds(200))
            #expect(fixture.installed() == good)
            #expect(await service.status().sites.first?.stapled == true)
            // Still down, 4 minutes 50 seconds before nextUpdate (inside the 5-minute margin): withdrawn.
            fixture.clock.advance(by: 3600 - 290 - 1900)
            #expect(await eventually(within: 60) { fixture.installed() == nil })
            let site = try #require(await service.status().sites.first)
            #expect(!site.stapled)
            #expect(site.problem?.contains("nothing newer") == true)
            // Past nextUpdate: nothing is installed, expired never.
            fixture.clock.advance(by: 600)
            try await Task.sleep(for: .milliseconds(200))
            #expect(fixture.installed() == nil)
            // The responder comes back: the next retry heals it. A retry already under way when the
            // clock moved (a starved test pool makes that possible) fails at the new time and is
            // rescheduled a backoff later, so the clock moves once more, up to three times in all.
            var healed = false
            for _ in 0..<3 where !healed {
                let now = fixture.clock.now
                fixture.responder.set(.good(thisUpdate: now - 30, nextUpdate: now + 3600))
                fixture.clock.advance(by: RefreshPolicy.defaultBackoffCap)
                healed = await eventually(within: 30) {
                    fixture.installed().map { fixture.verification($0, for: fixture.leaf.certificate).verdict == .good }
                        == true
                }
            }
            #expect(healed)
            #expect(fixture.installed() != good)
        }
    }

    @Test func theStatusDocumentDecodesAndNamesEverySite() async throws {
        let fixture = try await DirectorySite.make { now in .good(thisUpdate: now - 60, nextUpdate: now + 3600) }
        defer { Task { await fixture.responder.stop() } }
        let service = try fixture.service()
        let report = await service.pass()
        let decoded = try RunStatus.decode(report.status.json())
        let site = try #require(decoded.sites.first)
        #expect(decoded.service == "run")
        #expect(site.name == "www")
        #expect(site.serial == fixture.leaf.serialHex)
        #expect(site.stapled)
        #expect(site.thisUpdate != nil && site.nextUpdate != nil && site.nextRefresh != nil)
        #expect(site.outputs.map(\.kind) == ["directory"])
        #expect(site.outputs.first?.outcome == "installed")
        let table = StatusTable.render(decoded, now: fixture.clock.now)
        #expect(table.contains("www"))
        #expect(table.contains("1 of 1 sites stapled"))
    }
}
