/// Why a response was rejected; the reason names what was involved.
public typealias OCSPRejection = StapleError<OCSPRejectionCode>

/// The codes of ``OCSPRejection``, one or more per verifier check.
public struct OCSPRejectionCode: StapleErrorCode {
    private enum Backing: String {
        case tooLarge = "too-large"
        case malformed
        case unsupportedResponseType = "unsupported-response-type"
        case unsupportedVersion = "unsupported-version"
        case weakSignatureAlgorithm = "weak-signature-algorithm"
        case unsupportedSignatureAlgorithm = "unsupported-signature-algorithm"
        case signerNotFound = "signer-not-found"
        case badSignature = "bad-signature"
        case unauthorizedSigner = "unauthorized-signer"
        case unknownCriticalExtension = "unknown-critical-extension"
        case nonceMismatch = "nonce-mismatch"
        case notYetValid = "not-yet-valid"
        case nextUpdateBeforeThisUpdate = "next-update-before-this-update"
        case expired
    }
    private let backing: Backing
    public var description: String { backing.rawValue }

    /// Larger than the size cap.
    public static let tooLarge = Self(backing: .tooLarge)
    /// Not one DER OCSPResponse, or trailing bytes.
    public static let malformed = Self(backing: .malformed)
    /// Not id-pkix-ocsp-basic.
    public static let unsupportedResponseType = Self(backing: .unsupportedResponseType)
    /// Not v1.
    public static let unsupportedVersion = Self(backing: .unsupportedVersion)
    /// MD2 or MD5 (RFC 6151).
    public static let weakSignatureAlgorithm = Self(backing: .weakSignatureAlgorithm)
    /// An algorithm we do not verify, or wrong parameters.
    public static let unsupportedSignatureAlgorithm = Self(backing: .unsupportedSignatureAlgorithm)
    /// The ResponderID names no certificate we have.
    public static let signerNotFound = Self(backing: .signerNotFound)
    /// The signature does not verify over tbsResponseData.
    public static let badSignature = Self(backing: .badSignature)
    /// The signer is neither the issuer nor authorized by it.
    public static let unauthorizedSigner = Self(backing: .unauthorizedSigner)
    /// A critical extension we do not know.
    public static let unknownCriticalExtension = Self(backing: .unknownCriticalExtension)
    /// The request's nonce is not echoed.
    public static let nonceMismatch = Self(backing: .nonceMismatch)
    /// thisUpdate is in the future, beyond the skew.
    public static let notYetValid = Self(backing: .notYetValid)
    /// nextUpdate is before thisUpdate.
    public static let nextUpdateBeforeThisUpdate = Self(backing: .nextUpdateBeforeThisUpdate)
    /// nextUpdate has passed, beyond the skew.
    public static let expired = Self(backing: .expired)
}
