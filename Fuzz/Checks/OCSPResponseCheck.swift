import Foundation
import OCSPCore
import OCSPReporting
import X509

/// OCSP responses through every decoder, the verifier and the `inspect` report, against a
/// certificate of the shared corpora at a time its responses verify, so mutations reach the deepest checks.
///
/// Invariants: decoding either succeeds or throws; the verdict is the same when asked twice; a
/// `good` verdict only for bytes that decode as one successful OCSPResponse with a BasicOCSPResponse;
/// the report of a decodable response is not empty.
enum OCSPResponseCheck {
    static let certificate = FuzzFixtures.corpusCertificate("aws-lc/rsa_cert.pem")
    static let issuer = FuzzFixtures.corpusCertificate("aws-lc/ca_cert.pem")
    /// 2025-01-01T00:00:00Z: inside the validity of the aws-lc responses.
    static let now = Date(timeIntervalSince1970: 1_735_689_600)

    static func prepare() { _ = (certificate, issuer) }

    static func check(_ bytes: [UInt8]) throws(InvariantViolation) {
        _ = try? OCSPRequest(derEncoded: bytes)
        _ = try? ResponseEncoding.derBytes(from: bytes)
        let verifier = OCSPVerifier()
        let result = verifier.verify(response: bytes, certificate: certificate, issuer: issuer, now: now)
        let again = verifier.verify(response: bytes, certificate: certificate, issuer: issuer, now: now)
        guard result.verdict == again.verdict else {
            throw InvariantViolation(.ocspResponse, "verdict \(result.verdict) then \(again.verdict) for the same bytes")
        }
        let decoded = try? OCSPResponse(derEncoded: bytes)
        if result.verdict == .good {
            guard case .successful(let body)? = decoded, (try? body.basicResponse()) != nil else {
                throw InvariantViolation(.ocspResponse, "verdict good for bytes that are not one successful BasicOCSPResponse")
            }
        }
        if let decoded {
            let text = ResponseReport(response: decoded, der: bytes, verification: result, at: now).text
            guard !text.isEmpty else { throw InvariantViolation(.ocspResponse, "empty report") }
        }
    }
}
