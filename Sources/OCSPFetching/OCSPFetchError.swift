/// Why fetching an OCSP response failed: a stable code and a reason naming the responder URL and
/// the certificate serial.
///
/// Equality compares the code only; branch on ``code``, never on the reason text.
public struct OCSPFetchError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as an extensible set of stable names.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The certificate names no OCSP responder and no override was given.
        public static let noResponderURL = Code(rawValue: "no-responder-url")
        /// The responder URL is not an absolute http or https URL.
        public static let invalidURL = Code(rawValue: "invalid-url")
        /// The request could not be encoded.
        public static let requestEncoding = Code(rawValue: "request-encoding")
        /// The responder's host name did not resolve.
        public static let resolutionFailed = Code(rawValue: "resolution-failed")
        /// No connection could be made, or it broke before a complete answer.
        public static let connectionFailed = Code(rawValue: "connection-failed")
        /// The attempt's deadline passed before a complete answer.
        public static let timedOut = Code(rawValue: "timed-out")
        /// The responder answered with an HTTP status other than 200.
        public static let httpStatus = Code(rawValue: "http-status")
        /// More redirects than allowed, or a redirect without a usable Location.
        public static let redirects = Code(rawValue: "redirects")
        /// The Content-Type is not application/ocsp-response.
        public static let wrongContentType = Code(rawValue: "wrong-content-type")
        /// A 200 answer with an empty body.
        public static let emptyBody = Code(rawValue: "empty-body")
        /// The body is larger than the cap; it was rejected, not truncated.
        public static let bodyTooLarge = Code(rawValue: "body-too-large")
    }

    public var code: Code
    /// The responder URL the attempt was made to, when there was one.
    public var responderURL: String?
    /// The certificate's serial number in hex.
    public var serialNumberHex: String
    /// What happened, for a person.
    public var reason: String
    /// The HTTP status, for ``Code/httpStatus``.
    public var httpStatus: Int?

    public init(_ code: Code, responderURL: String?, serialNumberHex: String, reason: String, httpStatus: Int? = nil) {
        self.code = code
        self.responderURL = responderURL
        self.serialNumberHex = serialNumberHex
        self.reason = reason
        self.httpStatus = httpStatus
    }

    public var description: String {
        "\(code): responder \(responderURL ?? "(none)"), certificate serial \(serialNumberHex): \(reason)"
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
