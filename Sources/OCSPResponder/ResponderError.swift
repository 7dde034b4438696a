import OCSPCore

/// Why the responder could not start or reload; the subject is the file or address involved.
public typealias ResponderError = StapleError<ResponderErrorCode>

/// The codes of ``ResponderError``.
public struct ResponderErrorCode: StapleErrorCode {
    private enum Backing: String {
        case unreadableIndex = "unreadable-index"
        case malformedIndex = "malformed-index"
        case unusableCertificate = "unusable-certificate"
        case unusableKey = "unusable-key"
        case unauthorizedSigner = "unauthorized-signer"
        case signingFailed = "signing-failed"
        case cannotListen = "cannot-listen"
    }
    private let backing: Backing
    public var description: String { backing.rawValue }

    /// The index file is missing or cannot be read.
    public static let unreadableIndex = Self(backing: .unreadableIndex)
    /// A line of the index is not in the `openssl ca` format (the subject is `path:line`).
    public static let malformedIndex = Self(backing: .malformedIndex)
    /// A CA or signer certificate file that is missing or not a certificate.
    public static let unusableCertificate = Self(backing: .unusableCertificate)
    /// A key file that is missing, not a private key, or not the certificate's key.
    public static let unusableKey = Self(backing: .unusableKey)
    /// A delegated signer the CA did not issue, or without id-kp-OCSPSigning.
    public static let unauthorizedSigner = Self(backing: .unauthorizedSigner)
    /// A response could not be signed.
    public static let signingFailed = Self(backing: .signingFailed)
    /// The listen address could not be bound.
    public static let cannotListen = Self(backing: .cannotListen)
}
