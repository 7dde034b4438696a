import OCSPCore

/// Something `staple run` cannot do for a site: its certificate cannot be used, its outputs cannot be
/// made, a `--renewed` path names no site. The subject is the site, file or path involved.
package typealias RunError = StapleError<RunErrorCode>

/// The codes of ``RunError``.
package struct RunErrorCode: StapleErrorCode {
    private enum Backing: String {
        case certificate
        case output
        case stateDirectory = "state-directory"
        case noSuchSite = "no-such-site"
    }
    private let backing: Backing
    package var description: String { backing.rawValue }

    /// A chain or issuer file that is missing, not PEM, or lacks the issuer (subject: the file).
    package static let certificate = Self(backing: .certificate)
    /// An output the configuration asks for cannot be made (subject: the site).
    package static let output = Self(backing: .output)
    /// The state directory cannot be created or used.
    package static let stateDirectory = Self(backing: .stateDirectory)
    /// `--renewed PATH` names no site's certificate.
    package static let noSuchSite = Self(backing: .noSuchSite)
}
