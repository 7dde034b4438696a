import OCSPCore

/// A configuration `staple serve` cannot use; the reason names the file and includes the
/// underlying error.
package typealias ServeError = StapleError<ServeErrorCode>

/// The codes of ``ServeError``.
package struct ServeErrorCode: StapleErrorCode {
    private enum Backing: String {
        case certificateChain = "certificate-chain"
        case tlsConfiguration = "tls-configuration"
        case stateDirectory = "state-directory"
    }
    private let backing: Backing
    package var description: String { backing.rawValue }

    /// A certificate chain file is unreadable, or lacks the leaf's issuer.
    package static let certificateChain = Self(backing: .certificateChain)
    /// OpenSSL cannot use a chain or key (unreadable, or a key that does not match).
    package static let tlsConfiguration = Self(backing: .tlsConfiguration)
    /// The state directory cannot be created or used.
    package static let stateDirectory = Self(backing: .stateDirectory)
}
