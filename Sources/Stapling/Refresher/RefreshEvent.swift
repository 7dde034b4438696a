import Foundation

/// What one refresh of one certificate did; also passed to the refresher's event callback.
package struct RefreshEvent: Sendable, CustomStringConvertible {
    package enum Outcome: String, Sendable, Hashable {
        /// A newer good staple replaced the old one (or filled a gap).
        case replaced
        /// Good but not newer than the staple held; kept, retried with backoff.
        case notNewer = "not_newer"
        /// The certificate is revoked: its staple is withdrawn and never served.
        case revoked
        /// No usable answer (network, rejected, unknown, responder error); the last good staple stays.
        case failed
        /// The certificate was replaced or removed while the fetch ran; the answer was dropped.
        case superseded
    }

    package var id: String
    package var key: CertificateKey
    package var serialNumberHex: String
    package var outcome: Outcome
    /// The metrics label of the fetch (good, revoked, network, ...).
    package var fetchLabel: String
    /// Responder, serial and reason, for a person.
    package var message: String
    /// When the next attempt is scheduled, if any.
    package var nextAttempt: Date?
    package var failures: [StapleFailure]

    package var description: String { "\(id) [\(outcome.rawValue)] \(message)" }
}

/// What the refresher holds for one certificate, for inspection.
package struct ManagedCertificateStatus: Sendable {
    package var id: String
    package var key: CertificateKey
    package var staple: Staple?
    package var consecutiveFailures: Int
    package var nextAttempt: Date?
    package var revoked: Bool
}
