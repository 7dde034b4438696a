import Foundation
import OCSPCore
import StapleTestSupport
import Testing

@testable import Stapling

/// The refresher's transitions, pure: an entry's state, an outcome, a time. No actor, no I/O.
///
/// Times are hours after t0; expected retry delays are written as seconds / 3600. Jitter is 0
/// (the latest allowed time) unless a row says otherwise. Policy: the defaults (margin 15 min,
/// jitter 0.25, minimum interval 60 s, backoff 30 s doubling to 30 min).
@Suite struct EntryStateTests {
    enum Step: Sendable {
        /// A good, newer response with this thisUpdate and validity (hours; nil: no nextUpdate).
        case accept(thisUpdate: Double, validity: Double?)
        case notNewer
        case revoked
        case failed
        /// A start-up load of a stored staple (nil: none stored, or set aside).
        case load(thisUpdate: Double?, validity: Double?)
    }

    enum Change: Sendable { case publish, withdraw, keep }

    struct Row: Sendable {
        var at: Double
        var step: Step
        var jitter = 0.0
        var change: Change
        var failures: Int
        /// Next attempt, hours after t0; nil for none.
        var next: Double?
        /// thisUpdate (hours) of the staple held afterwards; nil for none.
        var holding: Double?
        var revoked = false
        var servable: Bool
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// The certificate's notAfter, hours; nil for the test certificate's own (10 days).
        var notAfter: Double? = nil
        var rows: [Row]
        var testDescription: String { name }
    }

    static let s = 1.0 / 3600

    static let cases: [Case] = [
        Case(
            name: "good, not newer, revoked, good again",
            rows: [
                // 24 h response: half-life 12 h; first refresh spread ends at 12 - 0.25 * 12 / 2 = 10.5 h.
                Row(
                    at: 0, step: .accept(thisUpdate: 0, validity: 24), change: .publish, failures: 0, next: 10.5,
                    holding: 0, servable: true),
                Row(
                    at: 10.5, step: .notNewer, change: .keep, failures: 1, next: 10.5 + 30 * s, holding: 0,
                    servable: true),
                Row(
                    at: 10.5 + 30 * s, step: .revoked, change: .withdraw, failures: 2,
                    next: 10.5 + 30 * s + 0.5, holding: nil, revoked: true, servable: false),
                // Settled now: the regular window, latest time at the half-life.
                Row(
                    at: 11.5, step: .accept(thisUpdate: 11.5, validity: 24), change: .publish, failures: 0,
                    next: 23.5, holding: 11.5, servable: true),
            ]),
        Case(
            name: "backoff doubles up to the cap; jitter only shortens",
            rows: [
                Row(
                    at: 0, step: .accept(thisUpdate: 0, validity: 24), change: .publish, failures: 0, next: 10.5,
                    holding: 0, servable: true),
                Row(at: 1, step: .failed, change: .keep, failures: 1, next: 1 + 30 * s, holding: 0, servable: true),
                Row(at: 2, step: .failed, change: .keep, failures: 2, next: 2 + 60 * s, holding: 0, servable: true),
                Row(at: 3, step: .failed, change: .keep, failures: 3, next: 3 + 120 * s, holding: 0, servable: true),
                Row(at: 4, step: .failed, change: .keep, failures: 4, next: 4 + 240 * s, holding: 0, servable: true),
                Row(at: 5, step: .failed, change: .keep, failures: 5, next: 5 + 480 * s, holding: 0, servable: true),
                Row(at: 6, step: .failed, change: .keep, failures: 6, next: 6 + 960 * s, holding: 0, servable: true),
                Row(at: 7, step: .failed, change: .keep, failures: 7, next: 7 + 1800 * s, holding: 0, servable: true),
                Row(at: 8, step: .failed, change: .keep, failures: 8, next: 8.5, holding: 0, servable: true),
                Row(
                    at: 9, step: .failed, jitter: 0.5, change: .keep, failures: 9, next: 9 + 1800 * 0.875 * s,
                    holding: 0, servable: true),
                // Success resets the count.
                Row(
                    at: 10, step: .accept(thisUpdate: 10, validity: 24), change: .publish, failures: 0, next: 22,
                    holding: 10, servable: true),
                Row(at: 11, step: .failed, change: .keep, failures: 1, next: 11 + 30 * s, holding: 10, servable: true),
            ]),
        Case(
            name: "not newer while the staple is young: its regular refresh time, not a retry; later: backoff",
            rows: [
                // 24 h response: regular window (9 h, 12 h]; the first-refresh spread reaches before it.
                Row(
                    at: 0, step: .accept(thisUpdate: 0, validity: 24), jitter: 0.9, change: .publish, failures: 0,
                    next: 10.5 - 0.9 * (10.5 - 60 * s), holding: 0, servable: true),
                Row(at: 1, step: .failed, change: .keep, failures: 1, next: 1 + 30 * s, holding: 0, servable: true),
                // The responder answers, nothing newer: an answer, not a failure; the regular time (jitter 0: 12 h).
                Row(at: 1 + 30 * s, step: .notNewer, change: .keep, failures: 0, next: 12, holding: 0, servable: true),
                Row(
                    at: 2, step: .notNewer, jitter: 1, change: .keep, failures: 0, next: 9, holding: 0,
                    servable: true),
                // In the regular window (from 9 h): not newer is retried after the backoff.
                Row(at: 9, step: .notNewer, change: .keep, failures: 1, next: 9 + 30 * s, holding: 0, servable: true),
                Row(
                    at: 9 + 30 * s, step: .notNewer, change: .keep, failures: 2, next: 9 + 90 * s, holding: 0,
                    servable: true),
            ]),
        Case(
            name: "source down: the last good staple is served until it expires, never after",
            rows: [
                // 1 h response: half-life 30 min; first spread ends at 30 - 3.75 = 26.25 min.
                Row(
                    at: 0, step: .accept(thisUpdate: 0, validity: 1), change: .publish, failures: 0, next: 0.4375,
                    holding: 0, servable: true),
                Row(
                    at: 0.4375, step: .failed, change: .keep, failures: 1, next: 0.4375 + 30 * s, holding: 0,
                    servable: true),
                Row(
                    at: 1 - s, step: .failed, change: .keep, failures: 2, next: 1 - s + 60 * s, holding: 0,
                    servable: true),
                Row(at: 1, step: .failed, change: .keep, failures: 3, next: 1 + 120 * s, holding: 0, servable: false),
                Row(at: 3, step: .failed, change: .keep, failures: 4, next: 3 + 240 * s, holding: 0, servable: false),
                // Back: a newer response replaces the expired one.
                Row(
                    at: 3.5, step: .accept(thisUpdate: 3.5, validity: 1), change: .publish, failures: 0, next: 4,
                    holding: 3.5, servable: true),
            ]),
        Case(
            name: "nothing stored: due at once",
            rows: [
                Row(
                    at: 0, step: .load(thisUpdate: nil, validity: nil), change: .keep, failures: 0, next: 0,
                    holding: nil, servable: false)
            ]),
        Case(
            name: "a fresh stored staple: first-refresh spread, and so is the first fetch after it",
            rows: [
                Row(
                    at: 1, step: .load(thisUpdate: 0, validity: 24), change: .publish, failures: 0, next: 10.5,
                    holding: 0, servable: true),
                Row(
                    at: 2, step: .accept(thisUpdate: 2, validity: 24), change: .publish, failures: 0, next: 12.5,
                    holding: 2, servable: true),
            ]),
        Case(
            name: "a stored staple past its half-life: due at once, still served",
            rows: [
                Row(
                    at: 13, step: .load(thisUpdate: 0, validity: 24), change: .publish, failures: 0, next: 13,
                    holding: 0, servable: true)
            ]),
        Case(
            name: "no nextUpdate: held one hour, refreshed at its half-life",
            rows: [
                Row(
                    at: 0, step: .accept(thisUpdate: 0, validity: nil), change: .publish, failures: 0,
                    next: 0.4375, holding: 0, servable: true),
                Row(
                    at: 0.4375, step: .failed, change: .keep, failures: 1, next: 0.4375 + 30 * s, holding: 0,
                    servable: true),
                Row(at: 1, step: .failed, change: .keep, failures: 2, next: 1 + 60 * s, holding: 0, servable: false),
            ]),
        Case(
            name: "the certificate expires before the refresh time: none scheduled",
            notAfter: 5,
            rows: [
                Row(
                    at: 0, step: .accept(thisUpdate: 0, validity: 24), change: .publish, failures: 0, next: nil,
                    holding: 0, servable: true),
                Row(
                    at: 0, step: .load(thisUpdate: 0, validity: 24), change: .publish, failures: 0, next: nil,
                    holding: 0, servable: true),
            ]),
    ]

    @Test(arguments: cases)
    func transitions(_ c: Case) throws {
        let t0 = wholeSecondNow()
        func at(_ hours: Double) -> Date { t0.addingTimeInterval(hours * 3600) }
        let pki = try TestPKI(name: "entry", now: t0)
        defer { pki.remove() }
        let leaf = try pki.issue(writePEM: false, writeIndex: false, now: t0)
        let notAfter = c.notAfter.map(at) ?? leaf.certificate.notValidAfter
        let policy = RefreshPolicy()
        var state = EntryState(dueAt: t0)
        #expect(state.isDue(at: t0) && state.staple == nil && state.failures == 0)
        for (index, row) in c.rows.enumerated() {
            let now = at(row.at)
            let label = "\(c.name), row \(index + 1)"
            let change: EntryState.StapleChange
            switch row.step {
            case .accept(let thisUpdate, let validity):
                let staple = try pki.staple(
                    for: leaf, thisUpdate: at(thisUpdate), validity: validity.map { $0 * 3600 }, now: now)
                change = state.apply(
                    .accepted(staple), certificateNotAfter: notAfter, policy: policy, now: now, jitter: row.jitter)
                #expect(change == .publish(staple), "\(label)")
            case .notNewer, .revoked, .failed:
                let outcome: EntryState.Outcome =
                    switch row.step {
                    case .notNewer: .notNewer
                    case .revoked: .revoked
                    default: .failed
                    }
                change = state.apply(
                    outcome, certificateNotAfter: notAfter, policy: policy, now: now, jitter: row.jitter)
            case .load(let thisUpdate, let validity):
                let staple = try thisUpdate.map {
                    try pki.staple(for: leaf, thisUpdate: at($0), validity: validity.map { $0 * 3600 }, now: now)
                }
                change = state.load(
                    staple, certificateNotAfter: notAfter, policy: policy, now: now, jitter: row.jitter)
            }
            switch (row.change, change) {
            case (.publish, .publish), (.withdraw, .withdraw), (.keep, .keep): break
            default: Issue.record("\(label): expected \(row.change), got \(change)")
            }
            #expect(state.failures == row.failures, "\(label)")
            #expect(state.revoked == row.revoked, "\(label)")
            #expect(state.isServable(at: now) == row.servable, "\(label)")
            if let holding = row.holding {
                let held = try #require(state.staple, "\(label): a staple is held")
                #expect(abs(held.thisUpdate.timeIntervalSince(at(holding))) < 0.001, "\(label)")
            } else {
                #expect(state.staple == nil, "\(label)")
            }
            if let next = row.next {
                let got = try #require(state.nextAttempt, "\(label): an attempt is scheduled")
                #expect(
                    abs(got.timeIntervalSince(at(next))) < 0.001, "\(label): next attempt \(got), expected \(at(next))")
                #expect(state.isDue(at: got) && !state.isDue(at: got.addingTimeInterval(-1)), "\(label)")
            } else {
                #expect(state.nextAttempt == nil, "\(label)")
                #expect(!state.isDue(at: at(24 * 365)), "\(label): never due")
            }
        }
    }

    /// An expired staple is never served: at its serving end and after, whatever the failures.
    @Test func aKeptStapleStopsBeingServableExactlyAtItsServingEnd() throws {
        let t0 = wholeSecondNow()
        let pki = try TestPKI(name: "entry-end", now: t0)
        defer { pki.remove() }
        let leaf = try pki.issue(writePEM: false, writeIndex: false, now: t0)
        let staple = try pki.staple(for: leaf, thisUpdate: t0, validity: 3600, now: t0)
        #expect(staple.servingEnd == t0.addingTimeInterval(3600))
        var state = EntryState(dueAt: t0)
        _ = state.apply(
            .accepted(staple), certificateNotAfter: leaf.certificate.notValidAfter, policy: RefreshPolicy(), now: t0,
            jitter: 0)
        for _ in 0..<20 {
            _ = state.apply(
                .failed, certificateNotAfter: leaf.certificate.notValidAfter, policy: RefreshPolicy(),
                now: t0.addingTimeInterval(60), jitter: 0)
        }
        #expect(state.isServable(at: staple.servingEnd.addingTimeInterval(-0.001)))
        #expect(!state.isServable(at: staple.servingEnd))
        #expect(!state.isServable(at: staple.servingEnd.addingTimeInterval(86_400)))
        #expect(
            StapleSnapshot(staples: [leaf.certificate.stapleKey: staple]).staple(
                for: leaf.certificate.stapleKey, at: staple.servingEnd) == nil)
    }
}
