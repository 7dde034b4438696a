/// Why OCSPCore could not read or build something; the subject is the input involved (a file, a
/// PEM block), when there is one.
///
/// Verification never throws: a response that fails a check is a verdict (``OCSPRejection``).
public typealias OCSPCoreError = StapleError<OCSPCoreErrorCode>

/// The codes of ``OCSPCoreError``.
public struct OCSPCoreErrorCode: StapleErrorCode {
    private enum Backing: String {
        case unreadableCertificate = "unreadable-certificate"
        case unreadableInput = "unreadable-input"
        case buildFailed = "build-failed"
    }
    private let backing: Backing
    public var description: String { backing.rawValue }

    /// A certificate file or block that is missing, unreadable or not a certificate.
    public static let unreadableCertificate = Self(backing: .unreadableCertificate)
    /// Input that is not an OCSP message in any encoding we read.
    public static let unreadableInput = Self(backing: .unreadableInput)
    /// A request or response that could not be built.
    public static let buildFailed = Self(backing: .buildFailed)
}
