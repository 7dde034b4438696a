import Foundation

/// How an OCSP request travels over HTTP (RFC 6960 Appendix A.1, RFC 5019 §5, RFC 9919).
package enum OCSPHTTPMethod: String, Sendable, Hashable {
    case get = "GET"
    case post = "POST"
}

/// The HTTP form of one DER OCSP request for one responder URL: GET with the request in the path
/// when it is small enough, POST otherwise.
package struct OCSPHTTPRequest: Sendable, Hashable {
    /// RFC 5019 §5: GET when the base64 of the DER request is at most 255 bytes, so URLs stay
    /// cacheable and within the limits of proxies.
    package static let maximumGETBase64Length = 255

    package var method: OCSPHTTPMethod
    /// The full URL: the responder URL, plus the URL-encoded base64 request for GET.
    package var url: String
    /// The DER request for POST; empty for GET.
    package var body: [UInt8]

    /// Encodes `derRequest` for `responderURL`.
    ///
    /// - Parameter maximumGETBase64Length: use POST when the base64 request is longer than this;
    ///   0 forces POST.
    package init(derRequest: [UInt8], responderURL: String, maximumGETBase64Length: Int = Self.maximumGETBase64Length) {
        let base64 = Data(derRequest).base64EncodedString()
        if base64.utf8.count <= maximumGETBase64Length {
            method = .get
            let separator = responderURL.hasSuffix("/") ? "" : "/"
            url = responderURL + separator + Self.percentEncode(base64)
            body = []
        } else {
            method = .post
            url = responderURL
            body = derRequest
        }
    }

    /// Base64 for a path segment: `+`, `/` and `=` are reserved there and percent-encoded (RFC 3986 §2.2).
    static func percentEncode(_ base64: String) -> String {
        var out = ""
        out.reserveCapacity(base64.utf8.count + 16)
        for character in base64 {
            switch character {
            case "+": out += "%2B"
            case "/": out += "%2F"
            case "=": out += "%3D"
            default: out.append(character)
            }
        }
        return out
    }
}
