import Foundation
import NIOCore
import OCSPCore
import SwiftASN1
import X509

/// Answers one HTTP request from a snapshot: request bytes in, status, headers and response bytes
/// out. No I/O and no clock: `now` is a parameter, so every answer can be tested without a socket.
///
/// The order of decisions:
/// 1. Method: GET (RFC 6960 A.1, base64 in the path) or POST (`application/ocsp-request`); else HTTP 405.
/// 2. Decoding: strict DER, at most ``ResponderPolicy/maximumRequestSize`` bytes, at least one
///    Request; else OCSP `malformedRequest`.
/// 3. Nonce (RFC 9654 §2): 1 to 128 octets, else `malformedRequest`; absent under `--nonce require`:
///    `malformedRequest`.
/// 4. Every CertID must name one and the same served CA (issuer name and key hashes); else
///    `unauthorized`.
/// 5. One CertID, no nonce to echo, an algorithm signed ahead, a serial in the index: the
///    pre-signed response (or 304). Otherwise a response is signed for this request.
///
/// Every OCSP answer, successful or not, is HTTP 200 with `application/ocsp-response`: the OCSP
/// status is in the body, where clients look for it (RFC 6960 A.1.2, as Let's Encrypt's responder did).
package enum RequestHandler {
    static let ocspResponseType = "application/ocsp-response"
    static let ocspRequestType = "application/ocsp-request"
    /// Error answers must not be cached (RFC 5019 §6.2 gives headers for successful ones only).
    static let noCache = "max-age=0, no-cache"

    private static let malformedBody = ByteBuffer(
        bytes: (try? OCSPResponseSigner.unsuccessful(.malformedRequest)) ?? [])
    private static let unauthorizedBody = ByteBuffer(bytes: (try? OCSPResponseSigner.unsuccessful(.unauthorized)) ?? [])
    private static let internalErrorBody = ByteBuffer(
        bytes: (try? OCSPResponseSigner.unsuccessful(.internalError)) ?? [])

    /// - Parameter memo: responses signed earlier for a single CertID outside the pre-signed cache (a
    ///   serial not in the index, an algorithm not signed ahead), by CA position and CertID; see
    ///   ``ResponderAnswer/memoKey``.
    package static func answer(
        _ request: ResponderRequest, snapshot: ResponderSnapshot, now: Date,
        memo: (Int, CertID) -> SignedAnswer? = { _, _ in nil }
    ) -> ResponderAnswer {
        let policy = snapshot.policy
        let der: [UInt8]?
        switch request.method {
        case "GET":
            der = GetRequestPath.decode(request.uri, maximumSize: policy.maximumRequestSize)
        case "POST":
            if let type = request.contentType, !type.lowercased().hasPrefix(ocspRequestType) {
                return httpError(415, .unsupportedMediaType)
            }
            guard request.body.count <= policy.maximumRequestSize else { return httpError(413, .tooLarge) }
            der = request.body
        default:
            var answer = httpError(405, .methodNotAllowed)
            answer.headers.append(("Allow", "GET, POST"))
            return answer
        }
        guard let der, let ocspRequest = try? OCSPRequest(derEncoded: der),
            !ocspRequest.tbsRequest.requestList.isEmpty
        else { return ocspError(.malformed) }

        let nonceExtension = ocspRequest.tbsRequest.requestExtensions.first(OCSPObjectIdentifier.nonce)
        var echoed: [Certificate.Extension] = []
        if let nonceExtension {
            // RFC 9654 §2.1: the nonce is an OCTET STRING of 1 to 128 octets.
            guard let octets = try? ASN1OctetString(derEncoded: [UInt8](nonceExtension.value)),
                (1...128).contains(octets.bytes.count)
            else { return ocspError(.malformed) }
            if policy.nonce != .ignore {
                echoed = [
                    Certificate.Extension(oid: OCSPObjectIdentifier.nonce, critical: false, value: nonceExtension.value)
                ]
            }
        } else if policy.nonce == .require {
            return ocspError(.malformed)
        }

        let requests = ocspRequest.tbsRequest.requestList
        guard let authorityIndex = snapshot.authorityIndex(for: requests[0].reqCert),
            requests.dropFirst().allSatisfy({ snapshot.authorities[authorityIndex].authority.serves($0.reqCert) })
        else { return ocspError(.unauthorized) }
        let state = snapshot.authorities[authorityIndex]

        if requests.count == 1, echoed.isEmpty, let hash = OCSPHashAlgorithm(requests[0].reqCert.hashAlgorithm),
            let cached = state.cache.entries[CertificateIndex.magnitude(requests[0].reqCert.serialNumber)]?
                .answers[hash]
        {
            var answer = successful(cached, outcome: .cached, request: request, now: now, maximumAge: policy.maximumAge)
            answer.authorityIndex = authorityIndex
            return answer
        }

        let memoizable = requests.count == 1 && echoed.isEmpty
        if memoizable, let earlier = memo(authorityIndex, requests[0].reqCert) {
            var answer = successful(
                earlier, outcome: .cached, request: request, now: now, maximumAge: policy.maximumAge)
            answer.authorityIndex = authorityIndex
            return answer
        }
        do {
            var singles: [SingleResponse] = []
            for item in requests {
                let entry = state.index.entry(serialNumber: item.reqCert.serialNumber)
                singles.append(
                    try Presigner.singleResponse(
                        certID: item.reqCert, entry: entry, now: now, validity: policy.validity))
            }
            let signed = try Presigner.sign(
                singles, authority: state.authority, now: now, validity: policy.validity, extensions: echoed)
            var answer = successful(
                signed, outcome: .signed, request: echoed.isEmpty ? request : nil, now: now,
                maximumAge: echoed.isEmpty ? policy.maximumAge : nil)
            answer.signed = 1
            answer.authorityIndex = authorityIndex
            if memoizable { answer.memoKey = (requests[0].reqCert, signed) }
            return answer
        } catch {
            return ocspError(.internalError)
        }
    }

    /// A successful answer with RFC 5019 §6.2 headers, or 304 when the client's copy is current.
    ///
    /// - Parameters:
    ///   - request: the request whose validators are checked; nil for a nonce answer (never 304).
    ///   - maximumAge: the `max-age` cap; nil for a nonce answer, which is for one client only
    ///     (`Cache-Control: no-store`, no ETag).
    package static func successful(
        _ answer: SignedAnswer, outcome: ResponderAnswer.Outcome, request: ResponderRequest?, now: Date,
        maximumAge: TimeInterval?
    ) -> ResponderAnswer {
        guard let maximumAge else {
            return ResponderAnswer(
                status: 200,
                headers: [
                    ("Content-Type", ocspResponseType), ("Cache-Control", "no-store"),
                    ("Last-Modified", answer.lastModified), ("Expires", answer.expires),
                ], body: answer.body, outcome: outcome)
        }
        let seconds = max(0, Int(min(answer.nextUpdate.timeIntervalSince(now), maximumAge).rounded(.down)))
        let headers = [
            ("Cache-Control", "max-age=\(seconds), public, no-transform, must-revalidate"),
            ("Last-Modified", answer.lastModified), ("Expires", answer.expires), ("ETag", answer.etag),
        ]
        var result: ResponderAnswer
        if let request, isNotModified(answer, request: request) {
            result = ResponderAnswer(status: 304, headers: headers, outcome: .notModified)
        } else {
            result = ResponderAnswer(
                status: 200, headers: [("Content-Type", ocspResponseType)] + headers, body: answer.body,
                outcome: outcome)
        }
        result.source = answer
        return result
    }

    /// RFC 9110 §13.1.1 and §13.1.3: If-None-Match wins; If-Modified-Since only without it.
    static func isNotModified(_ answer: SignedAnswer, request: ResponderRequest) -> Bool {
        if let ifNoneMatch = request.ifNoneMatch {
            return ifNoneMatch.split(separator: ",").contains { candidate in
                var tag = candidate.trimmingCharacters(in: .whitespaces)
                if tag == "*" { return true }
                if tag.hasPrefix("W/") { tag.removeFirst(2) }
                return tag == answer.etag
            }
        }
        if let text = request.ifModifiedSince, let since = HTTPDate.parse(text) {
            return answer.thisUpdate.timeIntervalSince(since) < 1
        }
        return false
    }

    static func ocspError(_ outcome: ResponderAnswer.Outcome) -> ResponderAnswer {
        let body: ByteBuffer =
            switch outcome {
            case .unauthorized: unauthorizedBody
            case .internalError: internalErrorBody
            default: malformedBody
            }
        return ResponderAnswer(
            status: 200, headers: [("Content-Type", ocspResponseType), ("Cache-Control", noCache)], body: body,
            outcome: outcome)
    }

    static func httpError(_ status: Int, _ outcome: ResponderAnswer.Outcome) -> ResponderAnswer {
        ResponderAnswer(status: status, headers: [("Cache-Control", noCache)], outcome: outcome)
    }
}
