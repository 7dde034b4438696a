import Foundation
import Stapling

/// What should be installed for one site now: the pure half of reconciling.
///
/// Installed is only the engine's verified good staple for the certificate now in the chain file,
/// and only while more than the withdrawal margin of its serving end is left. Otherwise nothing:
/// an expired staple is never better than none (RFC 6066 lets a client abort on a staple it cannot
/// verify; Firefox treats an expired one as absent and refuses a Must-Staple site).
package enum ReconcilePlan {
    /// Five minutes: HAProxy never staples a response within 5 minutes of its nextUpdate, and
    /// clients whose clocks run a few minutes fast would see an expired staple. The engine refreshes
    /// from half the validity on (and 15 minutes before its end at the latest), so with a responder
    /// that answers this margin is never reached.
    package static let defaultWithdrawalMargin: TimeInterval = 5 * 60

    /// Why nothing is installed.
    package enum Absence: Sendable, Hashable, CustomStringConvertible {
        /// The engine holds no staple for this certificate (not fetched yet, or every fetch failed).
        case noStaple
        /// The responder says the certificate is revoked.
        case revoked
        /// The staple held ends at `servingEnd`, within the withdrawal margin, and nothing newer came.
        case expiring(servingEnd: Date)
        /// The engine's certificate is not the one now in the chain file (a renewal not taken yet).
        case otherCertificate

        package var description: String {
            switch self {
            case .noStaple: "no good staple has been fetched for this certificate"
            case .revoked: "the certificate is REVOKED"
            case .expiring(let end):
                "the last good staple may be served only until \(end.iso8601), and nothing newer came"
            case .otherCertificate: "the certificate file changed; waiting for a staple for the new certificate"
            }
        }
    }

    /// What to install.
    package enum Target: Sendable, Hashable {
        case staple(Staple)
        case nothing(Absence)

        package var staple: Staple? {
            if case .staple(let staple) = self { return staple }
            return nil
        }
    }

    /// Decides for one site at `now`.
    ///
    /// - Parameters:
    ///   - current: the certificate now in the chain file.
    ///   - engine: what the engine holds under the site's id (nil: not managed yet).
    ///   - margin: the withdrawal margin.
    /// - Important: `now` is a parameter.
    package static func target(
        current: CertificateKey, engine: ManagedCertificateStatus?, now: Date,
        margin: TimeInterval = defaultWithdrawalMargin
    ) -> Target {
        guard let engine, engine.key == current else { return .nothing(.otherCertificate) }
        if engine.revoked { return .nothing(.revoked) }
        guard let staple = engine.staple, staple.isServable(at: now) else { return .nothing(.noStaple) }
        guard staple.isServable(at: now.addingTimeInterval(margin)) else {
            return .nothing(.expiring(servingEnd: staple.servingEnd))
        }
        return .staple(staple)
    }

    /// When `target` next needs looking at even if nothing happens: a staple's withdrawal time.
    package static func deadline(of target: Target, margin: TimeInterval = defaultWithdrawalMargin) -> Date? {
        target.staple.map { $0.servingEnd.addingTimeInterval(-margin) }
    }
}
