import Foundation
import OCSPCore
import StapleTestSupport
import Testing

@testable import Stapling

/// First refreshes after a long start-up: spread from its end, so that the refresh rate after it is
/// even; never later than the first-refresh spread allows. Distribution properties over many draws
/// (a seeded generator), not timings.
@Suite struct StartupSpreadTests {
    /// As in `EngineBenchmark`: 1-hour responses re-signed every 3 minutes, margin 10 s, floor 5 s.
    static let policy = RefreshPolicy(safetyMargin: 10, minimumInterval: 5, backoffBase: 5, backoffCap: 60)
    static let validity: TimeInterval = 3600
    static let resign: TimeInterval = 180

    struct Start {
        let t0 = wholeSecondNow()
        let pki: TestPKI
        let notAfter: Date
        /// One staple per re-signing of the responder during start-up, by its index.
        let staples: [Staple]

        init(name: String, startup: TimeInterval) throws {
            let t0 = self.t0
            let pki = try TestPKI(name: name, now: t0)
            self.pki = pki
            let leaf = try pki.issue(writePEM: false, writeIndex: false, now: t0)
            notAfter = leaf.certificate.notValidAfter
            let signings = Int(startup / StartupSpreadTests.resign) + 1
            staples = try (0..<signings).map {
                let signed = t0.addingTimeInterval(Double($0) * StartupSpreadTests.resign)
                return try pki.staple(
                    for: leaf, thisUpdate: signed, validity: StartupSpreadTests.validity, now: signed,
                    policy: StartupSpreadTests.policy)
            }
        }

        /// The staple a fetch at `offset` seconds into start-up gets: the responder's latest signing.
        func staple(at offset: TimeInterval) -> Staple { staples[Int(offset / StartupSpreadTests.resign)] }
    }

    /// Counts per `width`-second bucket of `times` in [from, from + span).
    static func buckets(_ times: [Date], from: Date, span: TimeInterval, width: TimeInterval) -> [Int] {
        var result = [Int](repeating: 0, count: Int(span / width))
        for time in times {
            let index = Int(time.timeIntervalSince(from) / width)
            if index >= 0 && index < result.count { result[index] += 1 }
        }
        return result
    }

    static func peakToMean(_ values: [Int]) -> Double {
        Double(values.max() ?? 0) / (Double(values.reduce(0, +)) / Double(max(values.count, 1)))
    }

    /// 40,000 certificates fetched evenly over a 10-minute start-up. Drawn from each fetch (as before),
    /// a fifth of the first refreshes fall due during start-up and all run at its end; drawn from its
    /// end, none does, each stays within its spread, and the 10 minutes after it are even.
    @Test func firstRefreshesOfALongStartupSpreadFromItsEnd() throws {
        let startup: TimeInterval = 600
        let s = try Start(name: "spread", startup: startup)
        defer { s.pki.remove() }
        let end = s.t0.addingTimeInterval(startup)
        let count = 40_000
        var generator = SplitMix64(state: 42)
        var fromFetch: [Date] = []
        var fromEnd: [Date] = []
        for index in 0..<count {
            let offset = startup * Double(index) / Double(count)
            let fetched = s.t0.addingTimeInterval(offset)
            let staple = s.staple(at: offset)
            var before = EntryState(dueAt: s.t0)
            _ = before.apply(
                .accepted(staple), certificateNotAfter: s.notAfter, policy: Self.policy, now: fetched,
                jitter: Double.random(in: 0..<1, using: &generator))
            fromFetch.append(try #require(before.nextAttempt))

            var state = EntryState(dueAt: s.t0)
            _ = state.apply(
                .accepted(staple), certificateNotAfter: s.notAfter, policy: Self.policy, now: fetched,
                jitter: Double.random(in: 0..<1, using: &generator), provisional: true)
            let provisional = try #require(state.nextAttempt)
            // Provisional: the latest time of the first-refresh spread, the safe end.
            let latest = try #require(
                Self.policy.refreshTime(
                    thisUpdate: staple.thisUpdate, nextUpdate: staple.nextUpdate, certificateNotAfter: s.notAfter,
                    now: fetched, jitter: 0, first: true))
            #expect(provisional == latest && state.awaitingSpread)
            let moved = state.spread(
                certificateNotAfter: s.notAfter, policy: Self.policy, now: end,
                jitter: Double.random(in: 0..<1, using: &generator))
            #expect(moved)
            let drawn = try #require(state.nextAttempt)
            #expect(!state.awaitingSpread)
            #expect(drawn <= provisional, "never later than the spread allows")
            #expect(drawn >= end.addingTimeInterval(Self.policy.minimumInterval))
            #expect(drawn < staple.servingEnd.addingTimeInterval(-Self.policy.safetyMargin))
            fromEnd.append(drawn)
        }
        // Before: due during start-up, all at once when it ends.
        let dueAtEnd = fromFetch.count { $0 <= end }
        #expect(dueAtEnd > count / 10, "\(dueAtEnd) of \(count)")
        #expect(fromEnd.count { $0 <= end } == 0)
        // After: the 10 minutes after start-up are even (per minute and per 10 s).
        let minutes = Self.buckets(fromEnd, from: end, span: 600, width: 60)
        let tens = Self.buckets(fromEnd, from: end.addingTimeInterval(Self.policy.minimumInterval), span: 600, width: 10)
        #expect(Self.peakToMean(minutes) < 1.1, "per minute \(minutes)")
        #expect(Self.peakToMean(tens) < 1.25, "per 10 s \(tens)")
        // And the old draw is not: its first minute after start-up holds the backlog.
        let before = Self.buckets(fromFetch.map { max($0, end) }, from: end, span: 600, width: 60)
        #expect(Self.peakToMean(before) > 2, "before, per minute \(before)")
    }

    /// A provisional refresh whose time passed during start-up stays due; a staple loaded at start-up
    /// is provisional too; an entry not provisional is left alone.
    @Test func overdueLoadedAndSettled() throws {
        let s = try Start(name: "spread-edges", startup: 0)
        defer { s.pki.remove() }
        let staple = s.staples[0]
        let latest = try #require(
            Self.policy.refreshTime(
                thisUpdate: staple.thisUpdate, nextUpdate: staple.nextUpdate, certificateNotAfter: s.notAfter,
                now: s.t0, jitter: 0, first: true))

        var overdue = EntryState(dueAt: s.t0)
        _ = overdue.apply(
            .accepted(staple), certificateNotAfter: s.notAfter, policy: Self.policy, now: s.t0, jitter: 0.5,
            provisional: true)
        #expect(overdue.nextAttempt == latest)
        let overdueMoved = overdue.spread(
            certificateNotAfter: s.notAfter, policy: Self.policy, now: latest.addingTimeInterval(60), jitter: 0.5)
        #expect(!overdueMoved)
        #expect(overdue.nextAttempt == latest && !overdue.awaitingSpread)

        var loaded = EntryState(dueAt: s.t0)
        _ = loaded.load(
            staple, certificateNotAfter: s.notAfter, policy: Self.policy, now: s.t0, jitter: 0.7, provisional: true)
        #expect(loaded.awaitingSpread && loaded.nextAttempt == latest)
        let end = s.t0.addingTimeInterval(300)
        let loadedMoved = loaded.spread(certificateNotAfter: s.notAfter, policy: Self.policy, now: end, jitter: 1)
        #expect(loadedMoved)
        #expect(loaded.nextAttempt == end.addingTimeInterval(Self.policy.minimumInterval))

        var settled = EntryState(dueAt: s.t0)
        _ = settled.apply(
            .accepted(staple), certificateNotAfter: s.notAfter, policy: Self.policy, now: s.t0, jitter: 0.5)
        let next = settled.nextAttempt
        #expect(!settled.awaitingSpread)
        let settledMoved = settled.spread(certificateNotAfter: s.notAfter, policy: Self.policy, now: end, jitter: 1)
        #expect(!settledMoved)
        #expect(settled.nextAttempt == next)
    }

    /// Through the actor: 12 certificates fetched one at a time while the clock moves a minute per
    /// fetch (a 12-minute start-up); every draw is 0.99 (early in its window). Their first refreshes
    /// come after start-up's end, within each spread.
    @Test func theRefresherSpreadsFromTheEndOfStartup() async throws {
        let t0 = wholeSecondNow()
        let pki = try TestPKI(name: "spread-actor", now: t0)
        defer { pki.remove() }
        let clock = ManualClock(t0)
        let source = ScriptedSource()
        let leaves = try (0..<12).map { _ in try pki.issue(writePEM: false, writeIndex: false, now: t0) }
        let refresher = StapleRefresher(
            certificates: leaves.lazy.enumerated().map {
                ManagedCertificate(id: String(format: "c%02d", $0.offset), certificate: $0.element.certificate, issuer: pki.ca)
            },
            source: source, store: nil, maximumConcurrentFetches: 1, now: clock.read, random: { 0.99 },
            logger: quietLogger,
            onEvent: { _ in clock.advance(by: 60) })
        // Answers signed at each fetch's time: scripted ahead, in the order the fetches come (by id).
        for (index, leaf) in leaves.enumerated() {
            source.script(.response(try pki.response(for: leaf, thisUpdate: t0.addingTimeInterval(Double(index) * 60))))
        }
        let events = await refresher.refreshDue()
        #expect(events.count == 12 && events.allSatisfy { $0.outcome == .replaced })
        // Start-up ended with the last fetch; the clock moved a minute after each one.
        #expect(clock.now == t0.addingTimeInterval(12 * 60))
        let end = t0.addingTimeInterval(11 * 60)
        let policy = RefreshPolicy()
        for (index, leaf) in leaves.enumerated() {
            let id = String(format: "c%02d", index)
            let status = try #require(await refresher.status(id: id))
            let staple = try #require(status.staple)
            let next = try #require(status.nextAttempt)
            let latest = try #require(
                policy.refreshTime(
                    thisUpdate: staple.thisUpdate, nextUpdate: staple.nextUpdate,
                    certificateNotAfter: leaf.certificate.notValidAfter, now: end, jitter: 0, first: true))
            #expect(next >= end.addingTimeInterval(policy.minimumInterval), "\(id): \(next) before the end \(end)")
            #expect(next <= latest, "\(id)")
        }
        #expect(source.unused == 0)
    }
}
