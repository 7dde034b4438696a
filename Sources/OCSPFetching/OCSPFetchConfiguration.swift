import Foundation
import OCSPCore

/// Limits and routes for fetching OCSP responses.
package struct OCSPFetchConfiguration: Sendable {
    /// Ten seconds per attempt (connect, redirects, headers and body): a responder slower than that
    /// is treated as down, and the next URL or a later retry gets its turn.
    package static let defaultAttemptTimeout: TimeInterval = 10
    /// Three redirects: OCSP responders rarely redirect at all; more is a loop or a misconfiguration.
    package static let defaultMaximumRedirects = 3

    /// The deadline of one attempt to one responder URL, redirects included.
    package var attemptTimeout: TimeInterval
    /// The largest body accepted; a larger one is rejected, never truncated.
    package var maximumResponseSize: Int
    /// How many redirects one attempt follows.
    package var maximumRedirects: Int
    /// POST when the base64 request is longer than this (RFC 5019: 255); 0 forces POST.
    package var maximumGETBase64Length: Int
    /// Proxies; by default those of the environment.
    package var proxies: ProxySettings
    /// The `User-Agent` header.
    package var userAgent: String

    package init(
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
package struct OCSPFetchResult: Sendable {
    /// The response bytes as received.
    package var responseBytes: [UInt8]
    /// The responder URL asked (before any redirect).
    package var responderURL: String
    /// The URL that answered (after redirects).
    package var finalURL: String
    package var method: OCSPHTTPMethod
    /// The address connected to, when the fetcher resolved the host itself (direct http).
    package var connectedAddress: String?
    /// Failures of earlier URLs, in order, when a later one answered.
    package var earlierFailures: [OCSPFetchError]
}
