import OCSPCore

/// Why the responder could not start or reload; the subject is the file or address involved.
package typealias ResponderError = StapleError<ResponderErrorCode>

/// The codes of ``ResponderError``.
package struct ResponderErrorCode: StapleErrorCode {
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
    package var description: String { backing.rawValue }

    /// The index file is missing or cannot be read.
    package static let unreadableIndex = Self(backing: .unreadableIndex)
    /// A line of the index is not in the `openssl ca` format (the subject is `path:line`).
    package static let malformedIndex = Self(backing: .malformedIndex)
    /// A CA or signer certificate file that is missing or not a certificate.
    package static let unusableCertificate = Self(backing: .unusableCertificate)
    /// A key file that is missing, not a private key, or not the certificate's key.
    package static let unusableKey = Self(backing: .unusableKey)
    /// A delegated signer the CA did not issue, or without id-kp-OCSPSigning.
    package static let unauthorizedSigner = Self(backing: .unauthorizedSigner)
    /// A response could not be signed.
    package static let signingFailed = Self(backing: .signingFailed)
    /// The listen address could not be bound.
    package static let cannotListen = Self(backing: .cannotListen)
}
