import Foundation
import MetricsTestKit
import OCSPCore
import StapleTestSupport
import Testing

@testable import Stapling

/// The refresher actor against a scripted source and a hand-moved clock (jitter draws 0), with a
/// store on disk: the same transitions as `EntryStateTests`, through the I/O.
@Suite struct ScriptedRefresherTests {
    struct Fixture {
        let t0 = wholeSecondNow()
        let pki: TestPKI
        let leaf: TestPKI.Leaf
        let clock: ManualClock
        let source = ScriptedSource()
        let store: StapleStore
        let metrics = TestMetrics()

        init(name: String) throws {
            pki = try TestPKI(name: name, now: t0)
            leaf = try pki.issue(writePEM: false, writeIndex: false, now: t0)
            clock = ManualClock(t0)
            store = try StapleStore(directory: "\(pki.directory)/state", logger: quietLogger)
        }

        func managed(_ leaf: TestPKI.Leaf, id: String) -> ManagedCertificate {
            ManagedCertificate(id: id, certificate: leaf.certificate, issuer: pki.ca)
        }

        func refresher(_ certificates: [ManagedCertificate]) -> StapleRefresher {
            StapleRefresher(
                certificates: certificates, source: source, store: store, metricsFactory: metrics, now: clock.read,
                random: { 0 }, logger: quietLogger)
        }

        func good(
            _ leaf: TestPKI.Leaf, thisUpdate: Date, validity: TimeInterval? = 86_400
        ) throws
            -> ScriptedSource.Answer
        {
            .response(try pki.response(for: leaf, thisUpdate: thisUpdate, validity: validity))
        }

        func file(_ leaf: TestPKI.Leaf) -> String { store.path(for: leaf.certificate.stapleKey) }
    }

    @Test func addRenewRemove() async throws {
        let f = try Fixture(name: "scripted-add")
        defer { f.pki.remove() }
        let b = try f.pki.issue(writePEM: false, writeIndex: false, now: f.t0)
        let renewed = try f.pki.issue(writePEM: false, writeIndex: false, now: f.t0)
        let refresher = f.refresher([f.managed(f.leaf, id: "a")])
        // What a TLS server prepares before any staple exists: each slot must follow every change.
        let leaves = [f.leaf, b, renewed]
        let slots = leaves.map { refresher.provider.slot(for: $0.certificate.stapleKey) }
        func slotsAgree(_ comment: Comment) {
            for (leaf, slot) in zip(leaves, slots) {
                let expected = refresher.provider.staple(for: leaf.certificate, at: f.clock.now)
                #expect(slot.staple(at: f.clock.now) == expected, comment)
            }
        }
        #expect(slots.allSatisfy { $0.staple(at: f.clock.now) == nil })

        f.source.script(try f.good(f.leaf, thisUpdate: f.t0))
        let first = await refresher.refreshDue()
        #expect(first.map(\.id) == ["a"] && first.first?.outcome == .replaced)
        let stapleA = try #require(refresher.provider.staple(for: f.leaf.certificate, at: f.clock.now))
        #expect(fileBytes(f.file(f.leaf)) == stapleA)
        #expect(slots[0].staple(at: f.clock.now) == stapleA)
        slotsAgree("published")

        // Added: nothing stored, fetched at once.
        await refresher.upsert(f.managed(b, id: "b"))
        #expect(await refresher.status(id: "b")?.nextAttempt == f.clock.now)
        f.source.script(try f.good(b, thisUpdate: f.t0))
        let added = await refresher.refreshDue()
        #expect(added.map(\.id) == ["b"] && added.first?.outcome == .replaced)
        #expect(refresher.provider.staple(for: b.certificate, at: f.clock.now) != nil)
        slotsAgree("added")

        // Renewed under the same id: the old staple is withdrawn at once and its file removed; the
        // new certificate starts from nothing (no current thisUpdate in the request).
        f.clock.advance(by: 60)
        await refresher.upsert(f.managed(renewed, id: "a"))
        #expect(refresher.provider.staple(for: f.leaf.certificate, at: f.clock.now) == nil)
        #expect(slots[0].staple(at: f.clock.now) == nil)
        #expect(!FileManager.default.fileExists(atPath: f.file(f.leaf)))
        let pending = try #require(await refresher.status(id: "a"))
        #expect(pending.staple == nil && pending.key == renewed.certificate.stapleKey)
        #expect(pending.nextAttempt == f.clock.now)
        f.source.script(try f.good(renewed, thisUpdate: f.clock.now))
        let renewal = await refresher.refreshDue()
        #expect(renewal.map(\.id) == ["a"] && renewal.first?.outcome == .replaced)
        #expect(renewal.first?.key == renewed.certificate.stapleKey)
        #expect(f.source.requests.last?.currentThisUpdate == nil)
        #expect(f.source.requests.last?.certificate == renewed.certificate)
        #expect(refresher.provider.staple(for: renewed.certificate, at: f.clock.now) != nil)
        #expect(fileBytes(f.file(renewed)) != nil)
        slotsAgree("renewed")

        // Removed: withdrawn, file gone.
        await refresher.remove(id: "b")
        #expect(refresher.provider.staple(for: b.certificate, at: f.clock.now) == nil)
        #expect(slots[1].staple(at: f.clock.now) == nil)
        slotsAgree("removed")
        #expect(!FileManager.default.fileExists(atPath: f.file(b)))
        #expect(await refresher.ids == ["a"])
        #expect(try f.metrics.expectGauge("staple_certificates").lastValue == 1)
        #expect(f.source.unused == 0)

        // A restart loads the renewed certificate's staple from the store, re-verified, not due yet.
        let restarted = f.refresher([f.managed(renewed, id: "a")])
        await restarted.loadFromStore()
        #expect(restarted.provider.staple(for: renewed.certificate, at: f.clock.now) != nil)
        // A slot taken once the staple is there starts with it.
        #expect(
            restarted.provider.slot(for: renewed.certificate.stapleKey).staple(at: f.clock.now)
                == restarted.provider.staple(for: renewed.certificate, at: f.clock.now))
        #expect(await restarted.status(id: "a")?.nextAttempt ?? .distantPast > f.clock.now)
        #expect(await restarted.refreshDue().isEmpty)
        #expect(f.source.requests.count == 3)
    }

    @Test func goodThenNotNewerThenRevoked() async throws {
        let f = try Fixture(name: "scripted-revoke")
        defer { f.pki.remove() }
        let refresher = f.refresher([f.managed(f.leaf, id: "site")])
        f.source.script(try f.good(f.leaf, thisUpdate: f.t0))
        #expect(await refresher.refreshDue().first?.outcome == .replaced)
        let served = try #require(refresher.provider.staple(for: f.leaf.certificate, at: f.clock.now))
        // 24 h response, first refresh: 10.5 h.
        let next = try #require(await refresher.status(id: "site")?.nextAttempt)
        #expect(next == f.t0.addingTimeInterval(10.5 * 3600))

        // Not due yet: nothing asked.
        f.clock.set(next.addingTimeInterval(-1))
        #expect(await refresher.refreshDue().isEmpty)

        // The same answer again (a responder's cache): not newer, kept, retried after 30 s.
        f.clock.set(next)
        f.source.script(try f.good(f.leaf, thisUpdate: f.t0))
        let notNewer = try #require(await refresher.refreshDue().first)
        #expect(notNewer.outcome == .notNewer && notNewer.fetchLabel == "not_newer")
        #expect(notNewer.message.contains("not newer") && notNewer.message.contains("still served"))
        #expect(f.source.requests.last?.currentThisUpdate == f.t0)
        #expect(notNewer.nextAttempt == next.addingTimeInterval(30))
        #expect(refresher.provider.staple(for: f.leaf.certificate, at: f.clock.now) == served)
        #expect(fileBytes(f.file(f.leaf)) == served)

        // Revoked: withdrawn at once, file deleted, retried after the cap.
        f.clock.advance(by: 30)
        f.source.script(
            .response(
                try f.pki.response(
                    for: f.leaf, status: .revoked(time: try .init(f.t0.addingTimeInterval(-60)), reason: nil),
                    thisUpdate: f.clock.now)))
        let revoked = try #require(await refresher.refreshDue().first)
        #expect(revoked.outcome == .revoked && revoked.fetchLabel == "revoked")
        #expect(revoked.message.contains("REVOKED") && revoked.message.contains(f.leaf.serialHex))
        #expect(refresher.provider.staple(for: f.leaf.certificate, at: f.clock.now) == nil)
        #expect(!FileManager.default.fileExists(atPath: f.file(f.leaf)))
        let status = try #require(await refresher.status(id: "site"))
        #expect(status.revoked && status.staple == nil && status.consecutiveFailures == 2)
        #expect(status.nextAttempt == f.clock.now.addingTimeInterval(RefreshPolicy.defaultBackoffCap))
        #expect(try f.metrics.expectCounter("staple_fetches_total", [("outcome", "good")]).totalValue == 1)
        #expect(try f.metrics.expectCounter("staple_fetches_total", [("outcome", "not_newer")]).totalValue == 1)
        #expect(try f.metrics.expectCounter("staple_fetches_total", [("outcome", "revoked")]).totalValue == 1)
        #expect(try f.metrics.expectGauge("staple_certificates_without_valid_staple").lastValue == 1)
    }

    enum FailureKind: String, CaseIterable, Sendable {
        case network, tryLater, rejected, unknown, noStatus
    }

    /// Each kind of failure keeps the last good staple, backs off 30 s then 60 s, and is named.
    @Test(arguments: FailureKind.allCases)
    func backoffAfterEachFailureKind(_ kind: FailureKind) async throws {
        let f = try Fixture(name: "scripted-\(kind.rawValue)")
        defer { f.pki.remove() }
        let other = try f.pki.issue(writePEM: false, writeIndex: false, now: f.t0)
        let refresher = f.refresher([f.managed(f.leaf, id: "site")])
        f.source.script(try f.good(f.leaf, thisUpdate: f.t0))
        #expect(await refresher.refreshDue().first?.outcome == .replaced)
        let served = try #require(refresher.provider.staple(for: f.leaf.certificate, at: f.clock.now))

        func answer() throws -> ScriptedSource.Answer {
            switch kind {
            case .network: return .unreachable
            case .tryLater: return .response(try OCSPResponseSigner.unsuccessful(.tryLater))
            // Expired an hour ago.
            case .rejected:
                return .response(
                    try f.pki.response(for: f.leaf, thisUpdate: f.clock.now.addingTimeInterval(-7200), validity: 3600))
            case .unknown:
                return .response(try f.pki.response(for: f.leaf, status: .unknown, thisUpdate: f.clock.now))
            case .noStatus: return .response(try f.pki.response(for: other, thisUpdate: f.clock.now))
            }
        }
        let label =
            switch kind {
            case .network: "network"
            case .tryLater: "responder_error"
            case .rejected: "rejected"
            case .unknown: "unknown"
            case .noStatus: "no_status"
            }
        let reason =
            switch kind {
            case .network: "connection-failed"
            case .tryLater: "tryLater"
            case .rejected: "has passed"
            case .unknown: "unknown"
            case .noStatus: "another certificate"
            }

        f.clock.set(try #require(await refresher.status(id: "site")?.nextAttempt))
        for (failures, delay) in [(1, 30.0), (2, 60.0)] {
            let start = f.clock.now
            f.source.script(try answer())
            let event = try #require(await refresher.refreshDue().first, "\(kind), failure \(failures)")
            #expect(event.outcome == .failed, "\(kind)")
            #expect(event.fetchLabel == label, "\(kind)")
            #expect(event.message.contains(reason), "\(kind): \(event.message)")
            #expect(event.message.contains(f.leaf.serialHex) && event.message.contains(ScriptedSource.url))
            #expect(event.message.contains("the last good staple is still served"), "\(kind): \(event.message)")
            #expect(event.nextAttempt == start.addingTimeInterval(delay), "\(kind), failure \(failures)")
            let status = try #require(await refresher.status(id: "site"))
            #expect(status.consecutiveFailures == failures && !status.revoked)
            #expect(refresher.provider.staple(for: f.leaf.certificate, at: f.clock.now) == served)
            #expect(fileBytes(f.file(f.leaf)) == served)
            // Not retried before the backoff ends.
            f.clock.set(start.addingTimeInterval(delay - 1))
            #expect(await refresher.refreshDue().isEmpty)
            f.clock.set(start.addingTimeInterval(delay))
        }
        #expect(try f.metrics.expectCounter("staple_fetches_total", [("outcome", label)]).totalValue == 2)
        #expect(f.source.unused == 0)
    }

    /// The source is down for good: the last staple is served until its nextUpdate, never after.
    @Test func expiryWhileTheSourceIsDown() async throws {
        let f = try Fixture(name: "scripted-expiry")
        defer { f.pki.remove() }
        let refresher = f.refresher([f.managed(f.leaf, id: "site")])
        f.source.script(try f.good(f.leaf, thisUpdate: f.t0, validity: 3600))
        #expect(await refresher.refreshDue().first?.outcome == .replaced)
        let end = f.t0.addingTimeInterval(3600)
        #expect(await refresher.status(id: "site")?.staple?.servingEnd == end)

        var failures = 0
        var sawExpiry = false
        while f.clock.now < end.addingTimeInterval(3600) {
            let next = try #require(await refresher.status(id: "site")?.nextAttempt)
            f.clock.set(next)
            f.source.script(.unreachable)
            let event = try #require(await refresher.refreshDue().first)
            failures += 1
            #expect(event.outcome == .failed && event.fetchLabel == "network")
            let served = refresher.provider.staple(for: f.leaf.certificate, at: f.clock.now)
            if f.clock.now < end {
                #expect(served != nil, "served before its end (\(f.clock.now))")
                #expect(event.message.hasSuffix("; the last good staple is still served"))
            } else {
                sawExpiry = true
                #expect(served == nil, "never served after its end (\(f.clock.now))")
                #expect(event.message.hasSuffix("; no staple is served"))
            }
            #expect(await refresher.status(id: "site")?.consecutiveFailures == failures)
        }
        #expect(sawExpiry)
        #expect(refresher.provider.staple(for: f.leaf.certificate, at: end.addingTimeInterval(-1)) != nil)
        #expect(refresher.provider.staple(for: f.leaf.certificate, at: end) == nil)
        // The slot a TLS server reads says the same at the same moments.
        let slot = refresher.provider.slot(for: f.leaf.certificate.stapleKey)
        #expect(slot.staple(at: end.addingTimeInterval(-1)) != nil && slot.staple(at: end) == nil)
        #expect(try f.metrics.expectGauge("staple_certificates_without_valid_staple").lastValue == 1)
        // The stored file is kept (the last good staple) but a restart sets it aside: it has expired.
        #expect(fileBytes(f.file(f.leaf)) != nil)
        let restarted = f.refresher([f.managed(f.leaf, id: "site")])
        await restarted.loadFromStore()
        #expect(restarted.provider.staple(for: f.leaf.certificate, at: f.clock.now) == nil)
        #expect(await restarted.status(id: "site")?.nextAttempt == f.clock.now)
    }

    /// A stored staple past its half-life is refreshed at once on start-up, and served meanwhile.
    @Test func aStoredStaplePastItsHalfLifeIsDueAtOnce() async throws {
        let f = try Fixture(name: "scripted-stale")
        defer { f.pki.remove() }
        let bytes = try f.pki.response(for: f.leaf, thisUpdate: f.t0, validity: 86_400)
        try Data(bytes).write(to: URL(fileURLWithPath: f.file(f.leaf)))
        f.clock.set(f.t0.addingTimeInterval(13 * 3600))
        let refresher = f.refresher([f.managed(f.leaf, id: "site")])
        await refresher.loadFromStore()
        #expect(refresher.provider.staple(for: f.leaf.certificate, at: f.clock.now) == bytes)
        #expect(await refresher.status(id: "site")?.nextAttempt == f.clock.now)
        f.source.script(try f.good(f.leaf, thisUpdate: f.clock.now))
        let event = try #require(await refresher.refreshDue().first)
        #expect(event.outcome == .replaced)
        #expect(f.source.requests.first?.currentThisUpdate == f.t0)
    }

    /// `refreshDue()` runs the same bounded loop as `run()`: never more than the limit in flight.
    @Test func refreshDueKeepsAtMostTheLimitInFlight() async throws {
        let f = try Fixture(name: "scripted-bound")
        defer { f.pki.remove() }
        var certificates: [ManagedCertificate] = []
        for index in 0..<5 {
            certificates.append(
                f.managed(try f.pki.issue(writePEM: false, writeIndex: false, now: f.t0), id: "c\(index)"))
        }
        let source = GatedSource()
        let refresher = StapleRefresher(
            certificates: certificates, source: source, store: nil, maximumConcurrentFetches: 2,
            metricsFactory: f.metrics, now: f.clock.read, random: { 0 }, logger: quietLogger)
        try await withThrowingTaskGroup(of: [RefreshEvent].self) { group in
            group.addTask { await refresher.refreshDue() }
            var arrivals = source.arrivals.makeAsyncIterator()
            // Two arrive; then each release lets exactly one more in.
            for _ in 0..<2 { _ = await arrivals.next() }
            for _ in 0..<3 {
                source.releaseOne()
                _ = await arrivals.next()
            }
            source.releaseOne()
            source.releaseOne()
            let events = try #require(try await group.next())
            #expect(events.count == 5)
            #expect(Set(events.map(\.id)) == Set(certificates.map(\.id)))
            #expect(events.allSatisfy { $0.outcome == .failed })
        }
        #expect(source.maximumInFlight == 2)
    }
}
