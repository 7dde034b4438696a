import Foundation

/// When to refresh a staple, how long to serve it, and how to back off after failures.
///
/// Pure: every function takes `now` and the random draw `jitter` (in 0..<1) as parameters.
///
/// Decisions, written once:
/// - **Refresh time.** At thisUpdate + ½ (end − thisUpdate), never later than end − ``safetyMargin``,
///   where end is nextUpdate (or thisUpdate + ``holdWithoutNextUpdate``). Jitter moves it earlier by
///   up to ``jitterFraction`` of (target − thisUpdate), so certificates fetched together spread out.
///   Never sooner than now + ``minimumInterval`` (a responder serving old cached answers cannot make
///   us loop); the jitter window starts no earlier than that, so nothing piles up at the floor.
/// - **First refresh.** After a start-up load or a certificate's first fetch, the refresh time is
///   spread uniformly from now + ``minimumInterval`` to the middle of the regular jitter window (the
///   steady-state spread of refresh times for this jitter), so certificates fetched together at
///   start-up settle at once into an even rate instead of returning in waves.
/// - **First refreshes after start-up.** While start-up is under way (the store loading and the
///   first fetch of every certificate that needed one), a first refresh is only provisional, at the
///   latest time of its spread; when start-up ends the refresher draws it again with `now` = the end
///   of start-up (never later than the provisional time). A long start-up thus does not leave the
///   first refreshes of the certificates fetched early in it due at once when it ends.
/// - **Not newer, early.** A response not newer than the staple held, while that staple is still
///   before its regular jitter window (``regularWindowStart(thisUpdate:nextUpdate:)``), is the
///   responder saying it has nothing newer yet: the next attempt is the staple's regular refresh time,
///   not a retry after a backoff (which would pile early first refreshes into bursts of retries).
/// - **No nextUpdate.** RFC 6960 §4.2.2.1 says newer information is always available. Such a
///   response is served for at most ``holdWithoutNextUpdate`` after its thisUpdate and refreshed on
///   the same half-life rule inside that window.
/// - **nextUpdate after the certificate's notAfter.** The staple is served until the certificate
///   expires and no longer (a staple cannot make an expired certificate valid); no refresh is
///   scheduled at or after notAfter.
/// - **Failures.** Retry after min(``backoffCap``, ``backoffBase`` × 2^(failures − 1)), shortened by
///   up to ``jitterFraction`` of itself. The last good staple keeps being served until it expires.
package struct RefreshPolicy: Sendable, Hashable {
    /// Fifteen minutes: HAProxy ignores staples within 5 minutes of nextUpdate, and clients' clocks drift.
    package static let defaultSafetyMargin: TimeInterval = 15 * 60
    /// A quarter: spreads refreshes over 25 % of the first half of the validity period.
    package static let defaultJitterFraction = 0.25
    /// One minute between successful fetches of one certificate at the least.
    package static let defaultMinimumInterval: TimeInterval = 60
    /// Thirty seconds for the first retry.
    package static let defaultBackoffBase: TimeInterval = 30
    /// Thirty minutes at most between retries: well inside the usual days of validity left.
    package static let defaultBackoffCap: TimeInterval = 30 * 60
    /// One hour: how long a response without nextUpdate is served at most.
    package static let defaultHoldWithoutNextUpdate: TimeInterval = 60 * 60

    package var safetyMargin: TimeInterval
    package var jitterFraction: Double
    package var minimumInterval: TimeInterval
    package var backoffBase: TimeInterval
    package var backoffCap: TimeInterval
    package var holdWithoutNextUpdate: TimeInterval

    package init(
        safetyMargin: TimeInterval = defaultSafetyMargin,
        jitterFraction: Double = defaultJitterFraction,
        minimumInterval: TimeInterval = defaultMinimumInterval,
        backoffBase: TimeInterval = defaultBackoffBase,
        backoffCap: TimeInterval = defaultBackoffCap,
        holdWithoutNextUpdate: TimeInterval = defaultHoldWithoutNextUpdate
    ) {
        self.safetyMargin = safetyMargin
        self.jitterFraction = min(max(jitterFraction, 0), 1)
        self.minimumInterval = minimumInterval
        self.backoffBase = backoffBase
        self.backoffCap = backoffCap
        self.holdWithoutNextUpdate = holdWithoutNextUpdate
    }

    /// The end of the response's validity: nextUpdate, or thisUpdate + ``holdWithoutNextUpdate``.
    package func validityEnd(thisUpdate: Date, nextUpdate: Date?) -> Date {
        nextUpdate ?? thisUpdate.addingTimeInterval(holdWithoutNextUpdate)
    }

    /// Until when a staple may be served: the validity end, but never past the certificate's notAfter.
    package func servingEnd(thisUpdate: Date, nextUpdate: Date?, certificateNotAfter: Date) -> Date {
        min(validityEnd(thisUpdate: thisUpdate, nextUpdate: nextUpdate), certificateNotAfter)
    }

    /// The middle of the response's validity: thisUpdate + ½ (``validityEnd(thisUpdate:nextUpdate:)`` − thisUpdate).
    package func halfLife(thisUpdate: Date, nextUpdate: Date?) -> Date {
        let end = validityEnd(thisUpdate: thisUpdate, nextUpdate: nextUpdate)
        return thisUpdate.addingTimeInterval(end.timeIntervalSince(thisUpdate) / 2)
    }

    /// The regular refresh target: the half-life, but never later than validity end − ``safetyMargin``.
    package func refreshTarget(thisUpdate: Date, nextUpdate: Date?) -> Date {
        let end = validityEnd(thisUpdate: thisUpdate, nextUpdate: nextUpdate)
        return min(halfLife(thisUpdate: thisUpdate, nextUpdate: nextUpdate), end.addingTimeInterval(-safetyMargin))
    }

    /// Where the regular jitter window starts: target − ``jitterFraction`` × (target − thisUpdate).
    /// Before it, a staple is young: a refresh then is a first-refresh spread, not a due refresh.
    package func regularWindowStart(thisUpdate: Date, nextUpdate: Date?) -> Date {
        let target = refreshTarget(thisUpdate: thisUpdate, nextUpdate: nextUpdate)
        return target.addingTimeInterval(-jitterFraction * max(0, target.timeIntervalSince(thisUpdate)))
    }

    /// When to fetch again after loading a stored staple at start-up (or when its certificate is
    /// added): the first-refresh spread, or `now` when the staple is already past its half-life; nil
    /// when the certificate expires first.
    ///
    /// - Parameter jitter: a draw in 0..<1.
    package func refreshTimeAfterLoading(
        thisUpdate: Date, nextUpdate: Date?, certificateNotAfter: Date, now: Date, jitter: Double
    ) -> Date? {
        guard
            let time = refreshTime(
                thisUpdate: thisUpdate, nextUpdate: nextUpdate, certificateNotAfter: certificateNotAfter, now: now,
                jitter: jitter, first: true)
        else { return nil }
        return now >= halfLife(thisUpdate: thisUpdate, nextUpdate: nextUpdate) ? now : max(time, now)
    }

    /// When to fetch again after a good response, or nil when the certificate expires first.
    ///
    /// - Parameters:
    ///   - now: when the response was accepted.
    ///   - jitter: a draw in 0..<1; 0 is the latest allowed time.
    ///   - first: the first refresh since start-up or since the certificate was added.
    package func refreshTime(
        thisUpdate: Date, nextUpdate: Date?, certificateNotAfter: Date, now: Date, jitter: Double, first: Bool = false
    ) -> Date? {
        let target = refreshTarget(thisUpdate: thisUpdate, nextUpdate: nextUpdate)
        let floor = now.addingTimeInterval(minimumInterval)
        let window = jitterFraction * max(0, target.timeIntervalSince(thisUpdate))
        let draw = min(max(jitter, 0), 1)
        // Regular: (target - window, target]. First: (thisUpdate, target - window / 2].
        let latest = first ? target.addingTimeInterval(-window / 2) : target
        let earliest = max(first ? thisUpdate : target.addingTimeInterval(-window), floor)
        let time =
            latest <= earliest
            ? max(latest, floor) : latest.addingTimeInterval(-draw * latest.timeIntervalSince(earliest))
        return time < certificateNotAfter ? time : nil
    }

    /// The delay before retry number `failures` (1 for the first failure).
    package func retryDelay(failures: Int, jitter: Double) -> TimeInterval {
        let exponent = Double(max(failures, 1) - 1)
        let delay = min(backoffCap, backoffBase * pow(2, min(exponent, 62)))
        return delay * (1 - jitterFraction * min(max(jitter, 0), 1))
    }
}
