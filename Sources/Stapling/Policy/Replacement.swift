import Foundation
import OCSPCore

/// Whether a freshly verified response may replace the staple held now.
///
/// Only a response that verifies `good` for the current certificate (the verifier was given that
/// certificate and its issuer) and is strictly newer by thisUpdate replaces the current one.
package enum ReplacementDecision: Hashable, Sendable {
    /// Staple it: good for this certificate, with this thisUpdate (newer than the current one).
    case replace(thisUpdate: Date)
    /// The responder says the certificate is revoked: never stapled, reported loudly.
    case revoked(time: Date, reason: String?)
    /// Any other verdict: unknown, no status, rejected, responder error.
    case notGood(OCSPVerdict)
    /// Good, but not newer than what is held.
    case notNewer(candidate: Date, current: Date)

    /// Decides for `candidate` against the current staple's thisUpdate (nil when none is held).
    package static func decide(_ candidate: OCSPVerification, currentThisUpdate: Date?) -> ReplacementDecision {
        switch candidate.verdict {
        case .good:
            guard let thisUpdate = candidate.thisUpdate else { return .notGood(.noStatus) }
            if let currentThisUpdate, thisUpdate <= currentThisUpdate {
                return .notNewer(candidate: thisUpdate, current: currentThisUpdate)
            }
            return .replace(thisUpdate: thisUpdate)
        case .revoked(let time, let reason):
            return .revoked(time: time, reason: reason.map { "\($0)" })
        default:
            return .notGood(candidate.verdict)
        }
    }
}
