import Foundation
import OCSPCore

/// Limits and routes for fetching OCSP responses.
public struct OCSPFetchConfiguration: Sendable {
    /// Ten seconds per attempt (connect, redirects, headers and body): a responder slower than that
    /// is treated as down, and the next URL or a later retry gets its turn.
    public static let defaultAttemptTimeout: TimeInterval = 10
    /// Three redirects: OCSP responders rarely redirect at all; more is a loop or a misconfiguration.
    public static let defaultMaximumRedirects = 3

    /// The deadline of one attempt to one responder URL, redirects included.
    public var attemptTimeout: TimeInterval
    /// The largest body accepted; a larger one is rejected, never truncated.
    public var maximumResponseSize: Int
    /// How many redirects one attempt follows.
    public var maximumRedirects: Int
    /// POST when the base64 request is longer than this (RFC 5019: 255); 0 forces POST.
    public var maximumGETBase64Length: Int
    /// Proxies; by default those of the environment.
    public var proxies: ProxySettings
    /// The `User-Agent` header.
    public var userAgent: String

    public init(
        attemptTimeout: TimeInterval = defaultAttemptTimeout,
        maximumResponseSize: Int = OCSPVerifier.defaultMaximumResponseSize,
        maximumRedirects: Int = defaultMaximumRedirects,
        maximumGETBase64Length: Int = OCSPHTTPRequest.maximumGETBase64Length,
        proxies: ProxySettings = .fromEnvironment(),
        userAgent: String = "staple"
    ) {
        self.attemptTimeout = attemptTimeout
        self.maximumResponseSize = maximumResponseSize
        self.maximumRedirects = maximumRedirects
        self.maximumGETBase64Length = maximumGETBase64Length
        self.proxies = proxies
        self.userAgent = userAgent
    }
}

/// The body of a successful HTTP exchange with a responder, not yet verified.
public struct OCSPFetchResult: Sendable {
    /// The response bytes as received.
    public var responseBytes: [UInt8]
    /// The responder URL asked (before any redirect).
    public var responderURL: String
    /// The URL that answered (after redirects).
    public var finalURL: String
    public var method: OCSPHTTPMethod
    /// The address connected to, when the fetcher resolved the host itself (direct http).
    public var connectedAddress: String?
    /// Failures of earlier URLs, in order, when a later one answered.
    public var earlierFailures: [OCSPFetchError]
}
