import Foundation
import OCSPCore
import Stapling

/// What a node does with the row it read for a certificate that is due, or that a notification
/// announced. Pure: a function of the row, the node's own judgement of its response, and `now`.
///
/// Decisions, in order:
/// - no row, or no response in it: claim the lease and fetch;
/// - a response that does not verify for this certificate (another certificate's, expired, badly
///   signed, not good, past its serving end): never installed; claim and fetch, and let the write
///   replace exactly those bytes (``fetch(replacingInvalid:fallback:)``);
/// - a verified response newer than the node's own staple, not yet due for refresh (its writer's
///   `refresh_at` is still ahead), or announced by a notification: install it;
/// - a verified newer response that is already due: claim and fetch, and install the row if the
///   fetch brings nothing better;
/// - a response that is not newer than the node's own, announced: the node installed it already
///   (its own refresh read the row before the notification's refresh ran), so nothing is fetched;
/// - a response that is not newer than the node's own otherwise: the node is due, so claim and fetch.
package enum RowDecision: Sendable, Equatable {
    /// Return the row's response to the engine, which installs it.
    case install(Staple)
    /// The row holds what the node holds: a notification for a write this node has installed.
    case alreadyHeld
    /// Claim the lease and fetch. `replacingInvalid`: SHA-256 of row bytes that did not verify;
    /// `fallback`: a verified newer staple from the row to install when the fetch fails.
    case fetch(replacingInvalid: [UInt8]?, fallback: Staple?)

    /// Whether the row held a response that did not verify.
    package var rejected: Bool {
        if case .fetch(let invalid, _) = self { return invalid != nil }
        return false
    }

    /// Decides for `row`, whose response the node judged as `judgement` (nil when it holds none).
    ///
    /// - Parameter announced: a notification (or a catch-up) brought this row: install it even when due.
    /// - Important: `now` is a parameter.
    package static func decide(
        row: StapleRow?, judgement: StapleJudgement?, announced: Bool, now: Date
    ) -> RowDecision {
        guard let row, let bytes = row.response, let judgement else {
            return .fetch(replacingInvalid: nil, fallback: nil)
        }
        switch judgement.acceptance {
        case .accepted(let staple):
            let due = row.refreshAt.map { $0 <= now } ?? true
            return announced || !due ? .install(staple) : .fetch(replacingInvalid: nil, fallback: staple)
        case .notNewer:
            return announced ? .alreadyHeld : .fetch(replacingInvalid: nil, fallback: nil)
        case .revoked, .pastServingEnd, .notGood:
            // A row never holds anything but a good staple; a revocation is asked of the responder itself.
            return .fetch(replacingInvalid: StoreQueries.digest(bytes), fallback: nil)
        }
    }

    /// The reason a row's response was not installed, for the log.
    package static func rejectionReason(_ judgement: StapleJudgement) -> String {
        switch judgement.acceptance {
        case .accepted: "accepted"
        case .notNewer: "not newer than the staple held"
        case .pastServingEnd(_, let end): "past its serving end \(end.iso8601)"
        case .revoked: "says revoked (a row only ever holds good staples: the responder is asked instead)"
        case .notGood(let verdict): verdict.explanation
        }
    }
}

/// What a node does when another node held the lease and it waited for that node's write.
package enum LeaseWaitDecision: Sendable, Equatable {
    /// The other node wrote: install its staple.
    case install(Staple)
    /// The lease has expired or been released: claim it again.
    case claimAgain
    /// Still held, and this node has nothing to serve: fetch for itself (logged) rather than serve no staple.
    case fetchAlone
    /// Still held, and this node still serves a staple: report it to the engine, which retries later.
    case retryLater

    /// Decides after the wait.
    ///
    /// - Parameters:
    ///   - decision: the ``RowDecision`` for the row as re-read after the wait.
    ///   - leaseExpires: the lease's end as re-read (nil: no lease).
    ///   - servable: this node serves a valid staple now.
    /// - Important: `now` is a parameter.
    package static func decide(
        after decision: RowDecision, leaseExpires: Date?, servable: Bool, now: Date
    ) -> LeaseWaitDecision {
        if case .install(let staple) = decision { return .install(staple) }
        guard let leaseExpires, leaseExpires > now else { return .claimAgain }
        return servable ? .retryLater : .fetchAlone
    }

    /// How long to wait for the holder's write: until its lease ends (plus a little for its
    /// notification to arrive), never more than `bound`.
    package static func waitDuration(leaseExpires: Date?, bound: TimeInterval, now: Date) -> TimeInterval {
        guard let leaseExpires else { return 0 }
        return max(0, min(leaseExpires.timeIntervalSince(now) + 0.25, bound))
    }
}
