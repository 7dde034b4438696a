import Foundation
import OCSPCore
import Testing

@testable import Stapling

/// The refresh policy as a table, with an injected clock (times are offsets from t0, in hours).
@Suite struct RefreshPolicyTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static func at(_ hours: Double) -> Date { t0.addingTimeInterval(hours * 3600) }
    static let farExpiry = at(24 * 365)
    static let policy = RefreshPolicy()  // margin 15 min, jitter 0.25, minimum interval 60 s

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var thisUpdate: Double
        var nextUpdate: Double?
        var now: Double
        var jitter: Double
        var notAfter: Double = 24 * 365
        var first = false
        /// Expected refresh time in hours, nil for none.
        var expected: Double?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // 7-day response: half-life 3.5 days, margin does not bind, no jitter draw.
        Case(name: "half-life, 7 days", thisUpdate: 0, nextUpdate: 168, now: 0, jitter: 0, expected: 84),
        // Full jitter draw: 25 % of (target - thisUpdate) earlier.
        Case(
            name: "half-life, full jitter", thisUpdate: 0, nextUpdate: 168, now: 0, jitter: 1, expected: 84 - 0.25 * 84),
        Case(
            name: "half-life, half jitter", thisUpdate: 0, nextUpdate: 168, now: 0, jitter: 0.5,
            expected: 84 - 0.125 * 84),
        // The first refresh after start-up spreads from now + 1 min to the middle of the regular window (73.5 h).
        Case(
            name: "first refresh, no draw", thisUpdate: 0, nextUpdate: 168, now: 0, jitter: 0, first: true,
            expected: 73.5),
        Case(
            name: "first refresh, draw 0.9", thisUpdate: 0, nextUpdate: 168, now: 0, jitter: 0.9, first: true,
            expected: 73.5 - 0.9 * (73.5 - 1.0 / 60)),
        // Jitter never piles up at the minimum interval: a 4 min response, margin 15 min -> target is before
        // the floor, so the floor; a 2 h response drawn fully lands at the window's start (45 min), not below.
        Case(name: "2 h, full draw", thisUpdate: 0, nextUpdate: 2, now: 0, jitter: 1, expected: 0.75),
        // 1 h response: half-life 30 min, but margin caps at nextUpdate - 15 min = 45 min: half-life wins (earlier).
        Case(name: "1 h: half-life before margin", thisUpdate: 0, nextUpdate: 1, now: 0, jitter: 0, expected: 0.5),
        // 20 min response: half-life 10 min, margin says 5 min: margin wins.
        Case(name: "20 min: margin binds", thisUpdate: 0, nextUpdate: 20.0 / 60, now: 0, jitter: 0, expected: 5.0 / 60),
        // 10 min response: margin would be before thisUpdate; the minimum interval (1 min after now) binds.
        Case(
            name: "shorter than margin: minimum interval", thisUpdate: 0, nextUpdate: 10.0 / 60, now: 0, jitter: 0,
            expected: 1.0 / 60),
        // An old cached answer (past its half-life on arrival): refresh after the minimum interval, not at once.
        Case(name: "old on arrival", thisUpdate: 0, nextUpdate: 168, now: 100, jitter: 0, expected: 100 + 1.0 / 60),
        // No nextUpdate: held 1 h; half-life 30 min.
        Case(name: "no nextUpdate: hold 1 h", thisUpdate: 0, nextUpdate: nil, now: 0, jitter: 0, expected: 0.5),
        // The certificate expires before the refresh time: no refresh.
        Case(
            name: "certificate expires first", thisUpdate: 0, nextUpdate: 168, now: 0, jitter: 0, notAfter: 48,
            expected: nil),
    ]

    @Test(arguments: cases)
    func refreshTime(_ c: Case) throws {
        let time = Self.policy.refreshTime(
            thisUpdate: Self.at(c.thisUpdate), nextUpdate: c.nextUpdate.map(Self.at),
            certificateNotAfter: Self.at(c.notAfter),
            now: Self.at(c.now), jitter: c.jitter, first: c.first)
        if let expected = c.expected {
            let got = try #require(time, "\(c.name): a refresh is expected")
            #expect(abs(got.timeIntervalSince(Self.at(expected))) < 0.001, "\(c.name): \(got)")
        } else {
            #expect(time == nil)
        }
    }

    /// For validities of 2 h and more the half-life binds: the time lies in [¾ × half-life, half-life].
    @Test func jitterStaysWithinItsBounds() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1000 {
            let validity = Double.random(in: 2...400, using: &generator)
            let draw = Double.random(in: 0..<1, using: &generator)
            let time = Self.policy.refreshTime(
                thisUpdate: Self.t0, nextUpdate: Self.at(validity), certificateNotAfter: Self.farExpiry, now: Self.t0,
                jitter: draw)
            let hours = (time ?? .distantPast).timeIntervalSince(Self.t0) / 3600
            #expect(hours <= validity / 2 + 1e-9)
            #expect(hours >= 0.75 * validity / 2 - 1e-9)
            #expect(hours <= validity - 0.25)
        }
    }

    @Test(arguments: [(1, 30.0), (2, 60), (3, 120), (5, 480), (6, 960), (7, 1800), (20, 1800), (1000, 1800)])
    func backoffDoublesUpToTheCap(failures: Int, seconds: Double) {
        #expect(Self.policy.retryDelay(failures: failures, jitter: 0) == seconds)
        // Jitter only shortens, by at most a quarter.
        #expect(Self.policy.retryDelay(failures: failures, jitter: 0.999) >= seconds * 0.75)
        #expect(Self.policy.retryDelay(failures: failures, jitter: 0.999) < seconds)
    }

    @Test func servingEndsAtNextUpdateOrTheHoldButNeverAfterTheCertificate() {
        #expect(
            Self.policy.servingEnd(thisUpdate: Self.t0, nextUpdate: Self.at(168), certificateNotAfter: Self.farExpiry)
                == Self.at(168))
        #expect(
            Self.policy.servingEnd(thisUpdate: Self.t0, nextUpdate: Self.at(168), certificateNotAfter: Self.at(24))
                == Self.at(24))
        #expect(
            Self.policy.servingEnd(thisUpdate: Self.t0, nextUpdate: nil, certificateNotAfter: Self.farExpiry)
                == Self.at(1))
    }
}
