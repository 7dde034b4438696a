import OCSPCore

/// Why fetching an OCSP response failed; the subject names the responder URL and the certificate
/// serial (and the HTTP status, for ``OCSPFetchErrorCode/httpStatus``).
public typealias OCSPFetchError = StapleError<OCSPFetchErrorCode>

/// The codes of ``OCSPFetchError``.
public struct OCSPFetchErrorCode: StapleErrorCode {
    public typealias Subject = FetchAttempt

    private enum Backing: String {
        case noResponderURL = "no-responder-url"
        case invalidURL = "invalid-url"
        case requestEncoding = "request-encoding"
        case resolutionFailed = "resolution-failed"
        case connectionFailed = "connection-failed"
        case timedOut = "timed-out"
        case httpStatus = "http-status"
        case redirects
        case wrongContentType = "wrong-content-type"
        case emptyBody = "empty-body"
        case bodyTooLarge = "body-too-large"
    }
    private let backing: Backing
    public var description: String { backing.rawValue }

    /// The certificate names no OCSP responder and no override was given.
    public static let noResponderURL = Self(backing: .noResponderURL)
    /// The responder URL is not an absolute http or https URL.
    public static let invalidURL = Self(backing: .invalidURL)
    /// The request could not be encoded.
    public static let requestEncoding = Self(backing: .requestEncoding)
    /// The responder's host name did not resolve.
    public static let resolutionFailed = Self(backing: .resolutionFailed)
    /// No connection could be made, or it broke before a complete answer.
    public static let connectionFailed = Self(backing: .connectionFailed)
    /// The attempt's deadline passed before a complete answer.
    public static let timedOut = Self(backing: .timedOut)
    /// The responder answered with an HTTP status other than 200.
    public static let httpStatus = Self(backing: .httpStatus)
    /// More redirects than allowed, or a redirect without a usable Location.
    public static let redirects = Self(backing: .redirects)
    /// The Content-Type is not application/ocsp-response.
    public static let wrongContentType = Self(backing: .wrongContentType)
    /// A 200 answer with an empty body.
    public static let emptyBody = Self(backing: .emptyBody)
    /// The body is larger than the cap; it was rejected, not truncated.
    public static let bodyTooLarge = Self(backing: .bodyTooLarge)
}

/// The attempt a fetch error is about: which responder, for which certificate.
public struct FetchAttempt: Hashable, Sendable, CustomStringConvertible {
    /// The responder URL the attempt was made to, when there was one.
    public var responderURL: String?
    /// The certificate's serial number in hex.
    public var serialNumberHex: String
    /// The HTTP status, for ``OCSPFetchErrorCode/httpStatus``.
    public var httpStatus: Int?

    public var description: String { "responder \(responderURL ?? "(none)"), certificate serial \(serialNumberHex)" }
}

extension StapleError where Code == OCSPFetchErrorCode {
    public init(
        _ code: Code, responderURL: String?, serialNumberHex: String, reason: String, httpStatus: Int? = nil,
        file: String = #fileID, line: UInt = #line
    ) {
        let attempt = FetchAttempt(responderURL: responderURL, serialNumberHex: serialNumberHex, httpStatus: httpStatus)
        self.init(code, subject: attempt, reason: reason, file: file, line: line)
    }

    public var responderURL: String? { subject?.responderURL }
    public var serialNumberHex: String { subject?.serialNumberHex ?? "" }
    public var httpStatus: Int? { subject?.httpStatus }
}
