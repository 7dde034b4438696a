import OCSPCore

/// Why fetching an OCSP response failed; the subject names the responder URL and the certificate
/// serial (and the HTTP status, for ``OCSPFetchErrorCode/httpStatus``).
package typealias OCSPFetchError = StapleError<OCSPFetchErrorCode>

/// The codes of ``OCSPFetchError``.
package struct OCSPFetchErrorCode: StapleErrorCode {
    package typealias Subject = FetchAttempt

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
    package var description: String { backing.rawValue }

    /// The certificate names no OCSP responder and no override was given.
    package static let noResponderURL = Self(backing: .noResponderURL)
    /// The responder URL is not an absolute http or https URL.
    package static let invalidURL = Self(backing: .invalidURL)
    /// The request could not be encoded.
    package static let requestEncoding = Self(backing: .requestEncoding)
    /// The responder's host name did not resolve.
    package static let resolutionFailed = Self(backing: .resolutionFailed)
    /// No connection could be made, or it broke before a complete answer.
    package static let connectionFailed = Self(backing: .connectionFailed)
    /// The attempt's deadline passed before a complete answer.
    package static let timedOut = Self(backing: .timedOut)
    /// The responder answered with an HTTP status other than 200.
    package static let httpStatus = Self(backing: .httpStatus)
    /// More redirects than allowed, or a redirect without a usable Location.
    package static let redirects = Self(backing: .redirects)
    /// The Content-Type is not application/ocsp-response.
    package static let wrongContentType = Self(backing: .wrongContentType)
    /// A 200 answer with an empty body.
    package static let emptyBody = Self(backing: .emptyBody)
    /// The body is larger than the cap; it was rejected, not truncated.
    package static let bodyTooLarge = Self(backing: .bodyTooLarge)
}

/// The attempt a fetch error is about: which responder, for which certificate.
package struct FetchAttempt: Hashable, Sendable, CustomStringConvertible {
    /// The responder URL the attempt was made to, when there was one.
    package var responderURL: String?
    /// The certificate's serial number in hex.
    package var serialNumberHex: String
    /// The HTTP status, for ``OCSPFetchErrorCode/httpStatus``.
    package var httpStatus: Int?

    package var description: String { "responder \(responderURL ?? "(none)"), certificate serial \(serialNumberHex)" }
}

extension StapleError where Code == OCSPFetchErrorCode {
    package init(
        _ code: Code, responderURL: String?, serialNumberHex: String, reason: String, httpStatus: Int? = nil,
        file: String = #fileID, line: UInt = #line
    ) {
        let attempt = FetchAttempt(responderURL: responderURL, serialNumberHex: serialNumberHex, httpStatus: httpStatus)
        self.init(code, subject: attempt, reason: reason, file: file, line: line)
    }

    package var responderURL: String? { subject?.responderURL }
    package var serialNumberHex: String { subject?.serialNumberHex ?? "" }
    package var httpStatus: Int? { subject?.httpStatus }
}
