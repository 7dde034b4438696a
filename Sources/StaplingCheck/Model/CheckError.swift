import OCSPCore

/// Why a target could not be checked: its text, or the network; the subject is the target.
package typealias CheckError = StapleError<CheckErrorCode>

/// The codes of ``CheckError``.
package struct CheckErrorCode: StapleErrorCode {
    private enum Backing: String {
        case invalidTarget = "invalid-target"
        case unresolved
        case refused
        case connectTimeout = "connect-timeout"
        case silent
        case notTLS = "not-tls"
        case closed
        case handshakeFailed = "handshake-failed"
        case deadline
    }
    private let backing: Backing
    package var description: String { backing.rawValue }

    /// The target is not `HOST[:PORT]`, `[IPv6]:PORT` or an `https://` URL.
    package static let invalidTarget = Self(backing: .invalidTarget)
    /// The host name did not resolve, or the address is unusable.
    package static let unresolved = Self(backing: .unresolved)
    /// The connection was refused (nothing listens) or reset at once.
    package static let refused = Self(backing: .refused)
    /// The TCP connection did not complete in time.
    package static let connectTimeout = Self(backing: .connectTimeout)
    /// Connected, but the server sent nothing within the deadline.
    package static let silent = Self(backing: .silent)
    /// The server answered with something that is not TLS (plain HTTP, SSH, ...).
    package static let notTLS = Self(backing: .notTLS)
    /// The server closed the connection before answering the ClientHello.
    package static let closed = Self(backing: .closed)
    /// The TLS handshake failed (an alert, no shared cipher or signature algorithm).
    package static let handshakeFailed = Self(backing: .handshakeFailed)
    /// The target's deadline passed before this handshake could start.
    package static let deadline = Self(backing: .deadline)

    /// Whether the failure is about the connection, not the TLS offer: trying other offers is futile.
    package var isConnectionLevel: Bool {
        switch backing {
        case .handshakeFailed: false
        default: true
        }
    }
}
