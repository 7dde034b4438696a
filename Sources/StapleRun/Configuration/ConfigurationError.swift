import OCSPCore

/// A `staple run` configuration that cannot be used; the subject is where (`file:line`, or the
/// file alone), the reason what is wrong.
package typealias ConfigurationError = StapleError<ConfigurationErrorCode>

/// The codes of ``ConfigurationError``.
package struct ConfigurationErrorCode: StapleErrorCode {
    private enum Backing: String {
        case unreadable
        case syntax
        case unknownKey = "unknown-key"
        case missingKey = "missing-key"
        case invalidValue = "invalid-value"
        case duplicateSite = "duplicate-site"
        case missingFile = "missing-file"
        case noIssuer = "no-issuer"
        case noResponder = "no-responder"
        case discovery
        case noOutput = "no-output"
        case badCertificate = "bad-certificate"
    }
    private let backing: Backing
    package var description: String { backing.rawValue }

    /// The file cannot be read.
    package static let unreadable = Self(backing: .unreadable)
    /// Not YAML, or not the shape expected (a list where a map belongs).
    package static let syntax = Self(backing: .syntax)
    /// A key staple run does not know (a misspelling, usually; the reason suggests the nearest).
    package static let unknownKey = Self(backing: .unknownKey)
    /// A required key is absent.
    package static let missingKey = Self(backing: .missingKey)
    /// A value of the wrong type or out of range.
    package static let invalidValue = Self(backing: .invalidValue)
    /// Two sites with the same name.
    package static let duplicateSite = Self(backing: .duplicateSite)
    /// A file the configuration names does not exist or cannot be read (`--check-config`).
    package static let missingFile = Self(backing: .missingFile)
    /// A certificate whose issuer is neither in its chain nor in `issuer:`.
    package static let noIssuer = Self(backing: .noIssuer)
    /// A certificate without an OCSP URL and no `responder:`.
    package static let noResponder = Self(backing: .noResponder)
    /// An nginx or HAProxy configuration discovery could not read.
    package static let discovery = Self(backing: .discovery)
    /// A site with no output at all (no `nginx`, `haproxy` or `directory`).
    package static let noOutput = Self(backing: .noOutput)
    /// A certificate or issuer file that exists but holds no usable certificate (`--check-config`).
    package static let badCertificate = Self(backing: .badCertificate)
}
