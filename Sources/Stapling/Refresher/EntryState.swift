import Foundation

/// What the refresher holds for one certificate, and how one refresh changes it.
///
/// Pure: every transition takes the time `now`, the policy, the certificate's notAfter and the
/// jitter draw as parameters, and says what to do with the published staple. The actor applies
/// the result (publish, persist, withdraw); nothing here does I/O.
///
/// Transitions, one per refresh outcome:
/// - **accepted**: the new staple replaces the old one; failures reset; next attempt at
///   ``RefreshPolicy/refreshTime(thisUpdate:nextUpdate:certificateNotAfter:now:jitter:first:)``
///   (the first-refresh spread until one refresh has succeeded in this process).
/// - **not newer** while the staple held is young (before
///   ``RefreshPolicy/regularWindowStart(thisUpdate:nextUpdate:)``): an answer, not a failure: kept,
///   failures reset, next attempt at the held staple's regular refresh time.
/// - **not newer** later, **failed**: the staple held is kept (and served until its serving end, never
///   after); retry after ``RefreshPolicy/retryDelay(failures:jitter:)``.
/// - **revoked**: the staple is withdrawn; retry after ``RefreshPolicy/backoffCap``.
///
/// While start-up is under way a first refresh (after a load, or after the first accepted
/// response) is `provisional`: scheduled at the latest time of its spread (jitter 0, so always
/// safe), and marked ``awaitingSpread``; ``spread(certificateNotAfter:policy:now:jitter:)`` draws it
/// when start-up ends, from that moment, never later than the provisional time.
struct EntryState: Sendable, Hashable {
    /// What one refresh brought.
    enum Outcome: Sendable, Hashable {
        /// A good response, newer than the staple held, servable now.
        case accepted(Staple)
        /// A good response, but not newer than the staple held.
        case notNewer
        /// The certificate is revoked.
        case revoked
        /// No usable answer: network, responder error, rejected, unknown, no status, past its serving end.
        case failed
    }

    /// What to do with the published staple after a transition.
    enum StapleChange: Sendable, Hashable {
        /// Publish (and persist) this staple.
        case publish(Staple)
        /// Withdraw the staple (and delete its file): never serve it again.
        case withdraw
        /// Leave the published staple as it is.
        case keep
    }

    /// The last good staple (possibly no longer servable; see ``Staple/isServable(at:)``).
    private(set) var staple: Staple?
    /// Failed refreshes since the last accepted one.
    private(set) var failures = 0
    /// When to refresh next; nil when no refresh is scheduled (the certificate expires first).
    private(set) var nextAttempt: Date?
    /// The responder last said revoked.
    private(set) var revoked = false
    /// Refreshed successfully at least once in this process (later refreshes use the normal jitter).
    private(set) var settled = false
    /// The next attempt is a provisional first refresh, to be drawn when start-up ends.
    private(set) var awaitingSpread = false

    /// A certificate just added: nothing held, a refresh due at `now`.
    init(dueAt now: Date) {
        nextAttempt = now
    }

    /// Whether a refresh is due at `now`.
    func isDue(at now: Date) -> Bool {
        nextAttempt.map { $0 <= now } ?? false
    }

    /// Whether a staple may be served at `now`.
    func isServable(at now: Date) -> Bool {
        staple?.isServable(at: now) ?? false
    }

    /// Takes a staple loaded from the store (nil when there was none or it was set aside) and
    /// schedules its refresh (``RefreshPolicy``'s `refreshTimeAfterLoading`).
    ///
    /// - Parameter provisional: start-up is under way: a refresh not due now is scheduled at the
    ///   latest time of its spread and drawn when start-up ends.
    mutating func load(
        _ loaded: Staple?, certificateNotAfter: Date, policy: RefreshPolicy, now: Date, jitter: Double,
        provisional: Bool = false
    ) -> StapleChange {
        awaitingSpread = false
        guard let loaded else {
            nextAttempt = now
            return .keep
        }
        staple = loaded
        nextAttempt = policy.refreshTimeAfterLoading(
            thisUpdate: loaded.thisUpdate, nextUpdate: loaded.nextUpdate, certificateNotAfter: certificateNotAfter,
            now: now, jitter: provisional ? 0 : jitter)
        awaitingSpread = provisional && nextAttempt.map { $0 > now } == true
        return .publish(loaded)
    }

    /// The staple held, when it is still before its regular jitter window at `now`.
    private func youngStaple(at now: Date, policy: RefreshPolicy) -> Staple? {
        guard let staple, now < policy.regularWindowStart(thisUpdate: staple.thisUpdate, nextUpdate: staple.nextUpdate)
        else { return nil }
        return staple
    }

    /// Draws a provisional first refresh (see ``awaitingSpread``) as if the staple had been loaded at
    /// `now` (the end of start-up), never later than the provisional time. Returns whether it moved.
    mutating func spread(certificateNotAfter: Date, policy: RefreshPolicy, now: Date, jitter: Double) -> Bool {
        guard awaitingSpread, let staple, let provisional = nextAttempt else { return false }
        awaitingSpread = false
        let drawn = policy.refreshTimeAfterLoading(
            thisUpdate: staple.thisUpdate, nextUpdate: staple.nextUpdate, certificateNotAfter: certificateNotAfter,
            now: now, jitter: jitter)
        nextAttempt = drawn.map { min($0, provisional) }
        return nextAttempt != provisional
    }

    /// Applies one refresh's outcome at `now`.
    ///
    /// - Parameter provisional: start-up is under way: a first refresh is scheduled at the latest time
    ///   of its spread and drawn when start-up ends.
    mutating func apply(
        _ outcome: Outcome, certificateNotAfter: Date, policy: RefreshPolicy, now: Date, jitter: Double,
        provisional: Bool = false
    ) -> StapleChange {
        awaitingSpread = false
        switch outcome {
        case .accepted(let new):
            staple = new
            failures = 0
            revoked = false
            let first = !settled
            nextAttempt = policy.refreshTime(
                thisUpdate: new.thisUpdate, nextUpdate: new.nextUpdate, certificateNotAfter: certificateNotAfter,
                now: now, jitter: first && provisional ? 0 : jitter, first: first)
            awaitingSpread = first && provisional && nextAttempt != nil
            settled = true
            return .publish(new)
        case .revoked:
            staple = nil
            revoked = true
            failures += 1
            nextAttempt = now.addingTimeInterval(policy.backoffCap)
            return .withdraw
        case .notNewer:
            if let held = youngStaple(at: now, policy: policy) {
                // Nothing newer yet, and nothing urgent: the held staple's regular refresh time.
                failures = 0
                nextAttempt = policy.refreshTime(
                    thisUpdate: held.thisUpdate, nextUpdate: held.nextUpdate, certificateNotAfter: certificateNotAfter,
                    now: now, jitter: jitter)
                return .keep
            }
            fallthrough
        case .failed:
            failures += 1
            nextAttempt = now.addingTimeInterval(policy.retryDelay(failures: failures, jitter: jitter))
            return .keep
        }
    }
}
