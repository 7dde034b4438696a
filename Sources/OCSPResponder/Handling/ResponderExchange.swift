import NIOCore
import OCSPCore

/// An HTTP request as the responder sees it, independent of the transport.
package struct ResponderRequest: Sendable {
    package var method: String
    /// The request-target, as received (`/MEMwQTA%2F...`).
    package var uri: String
    package var contentType: String?
    package var body: [UInt8]
    package var ifNoneMatch: String?
    package var ifModifiedSince: String?

    package init(
        method: String, uri: String, contentType: String? = nil, body: [UInt8] = [], ifNoneMatch: String? = nil,
        ifModifiedSince: String? = nil
    ) {
        self.method = method
        self.uri = uri
        self.contentType = contentType
        self.body = body
        self.ifNoneMatch = ifNoneMatch
        self.ifModifiedSince = ifModifiedSince
    }
}

/// What the responder answers: the HTTP status, headers and body, and what happened, for metrics.
package struct ResponderAnswer: Sendable {
    /// How a request was answered; the `outcome` label of the requests metric.
    package enum Outcome: String, Sendable, CaseIterable {
        /// A pre-signed response (good, revoked or unknown), nothing signed.
        case cached
        /// 304: the client's copy (If-None-Match / If-Modified-Since) is current.
        case notModified = "not_modified"
        /// Signed for this request: a nonce, several certificates, a serial not in the index, or a
        /// CertID algorithm not signed ahead.
        case signed
        /// OCSP malformedRequest: undecodable, empty, oversized nonce, or no nonce under `--nonce require`.
        case malformed
        /// OCSP unauthorized: a CertID naming an issuer not served.
        case unauthorized
        /// OCSP internalError: signing failed.
        case internalError = "internal_error"
        /// HTTP 405: not GET or POST.
        case methodNotAllowed = "method_not_allowed"
        /// HTTP 415: a POST whose Content-Type is not application/ocsp-request.
        case unsupportedMediaType = "unsupported_media_type"
        /// HTTP 413: a body over the size limit.
        case tooLarge = "too_large"
        /// HTTP 400: not HTTP, or a request head over the parser's limit; the connection is closed.
        case badRequest = "bad_request"
    }

    package var status: Int
    package var headers: [(String, String)]
    package var body: ByteBuffer
    package var outcome: Outcome
    /// How many responses were signed to make this answer.
    package var signed: Int
    /// Which CA the answer came from, when one did.
    package var authorityIndex: Int?
    /// A response signed for one CertID without a nonce, which the same request may be answered
    /// from again until the snapshot changes: signing is never repeated for a serial not in the
    /// index (a client cannot make the responder sign at will, but with a nonce under `echo`).
    package var memoKey: (CertID, SignedAnswer)?
    /// The shareable response this answer sends or validates (not a nonce answer): what a later
    /// GET for the same request-target may be answered from while the snapshot lasts.
    package var source: SignedAnswer?

    package init(
        status: Int, headers: [(String, String)], body: ByteBuffer = ByteBuffer(), outcome: Outcome, signed: Int = 0,
        authorityIndex: Int? = nil
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.outcome = outcome
        self.signed = signed
        self.authorityIndex = authorityIndex
    }

    /// The first value of header `name` (case-insensitive), for tests.
    package func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}
