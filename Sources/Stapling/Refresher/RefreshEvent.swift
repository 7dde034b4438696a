import Foundation

/// What one refresh of one certificate did; also passed to the refresher's event callback.
public struct RefreshEvent: Sendable, CustomStringConvertible {
    public enum Outcome: String, Sendable, Hashable {
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

    public var id: String
    public var key: CertificateKey
    public var serialNumberHex: String
    public var outcome: Outcome
    /// The metrics label of the fetch (good, revoked, network, ...).
    public var fetchLabel: String
    /// Responder, serial and reason, for a person.
    public var message: String
    /// When the next attempt is scheduled, if any.
    public var nextAttempt: Date?
    public var failures: [StapleFailure]

    public var description: String { "\(id) [\(outcome.rawValue)] \(message)" }
}

/// What the refresher holds for one certificate, for inspection.
public struct ManagedCertificateStatus: Sendable {
    public var id: String
    public var key: CertificateKey
    public var staple: Staple?
    public var consecutiveFailures: Int
    public var nextAttempt: Date?
    public var revoked: Bool
}
