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
/// - **not newer**, **failed**: the staple held is kept (and served until its serving end, never
///   after); retry after ``RefreshPolicy/retryDelay(failures:jitter:)``.
/// - **revoked**: the staple is withdrawn; retry after ``RefreshPolicy/backoffCap``.
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
    mutating func load(
        _ loaded: Staple?, certificateNotAfter: Date, policy: RefreshPolicy, now: Date, jitter: Double
    ) -> StapleChange {
        guard let loaded else {
            nextAttempt = now
            return .keep
        }
        staple = loaded
        nextAttempt = policy.refreshTimeAfterLoading(
            thisUpdate: loaded.thisUpdate, nextUpdate: loaded.nextUpdate, certificateNotAfter: certificateNotAfter,
            now: now, jitter: jitter)
        return .publish(loaded)
    }

    /// Applies one refresh's outcome at `now`.
    mutating func apply(
        _ outcome: Outcome, certificateNotAfter: Date, policy: RefreshPolicy, now: Date, jitter: Double
    ) -> StapleChange {
        switch outcome {
        case .accepted(let new):
            staple = new
            failures = 0
            revoked = false
            nextAttempt = policy.refreshTime(
                thisUpdate: new.thisUpdate, nextUpdate: new.nextUpdate, certificateNotAfter: certificateNotAfter,
                now: now, jitter: jitter, first: !settled)
            settled = true
            return .publish(new)
        case .revoked:
            staple = nil
            revoked = true
            failures += 1
            nextAttempt = now.addingTimeInterval(policy.backoffCap)
            return .withdraw
        case .notNewer, .failed:
            failures += 1
            nextAttempt = now.addingTimeInterval(policy.retryDelay(failures: failures, jitter: jitter))
            return .keep
        }
    }
}
