import Foundation
import OCSPCore
import X509

/// Whether HAProxy 2.6 would take a response and staple it, decided before anything is written or
/// pushed (HAProxy's own checks, `ssl_sock_load_ocsp_response` in src/ssl_sock.c, in its order):
///
/// 1. one DER OCSPResponse, status successful, a basic response;
/// 2. exactly one SingleResponse ("OCSP response ignored because contains multiple single responses");
/// 3. a nextUpdate ("OCSP single response: missing nextupdate");
/// 4. its CertID byte-for-byte the one HAProxy computes: `OCSP_cert_to_id(NULL, cert, issuer)`, a
///    SHA-1 CertID with NULL hash parameters. At start it compares with `OCSP_id_cmp`; through the
///    runtime API it looks the DER encoding up in its tree of certificates, so a SHA-256 CertID (or
///    SHA-1 without the NULL) is "Certificate ID does not match any certificate or issuer";
/// 5. more than ``minimumTimeLeft`` before nextUpdate: HAProxy sets its expiry to nextUpdate minus
///    `OCSP_MAX_RESPONSE_TIME_SKEW` (300 s) and silently never staples it after that.
///
/// The signature is not HAProxy's concern (it never checks one): a ``Staple`` is verified already.
package enum HAProxyStapleability {
    /// Five minutes: HAProxy 2.6's `OCSP_MAX_RESPONSE_TIME_SKEW`, cut from nextUpdate.
    package static let minimumTimeLeft: TimeInterval = 300

    /// nil when HAProxy would staple `response` for `certificate` at `now`; else why not.
    package static func refusal(
        of response: [UInt8], certificate: Certificate, issuer: Certificate, now: Date
    ) -> String? {
        let basic: BasicOCSPResponse
        do {
            guard case .successful(let body) = try OCSPResponse(derBytes: response) else {
                return "not a successful OCSP response"
            }
            basic = try body.basicResponse()
        } catch {
            return "not one DER OCSP basic response: \(error)"
        }
        let singles = basic.tbsResponseData.responses
        guard singles.count == 1, let single = singles.first else {
            return "\(singles.count) SingleResponses: HAProxy 2.6 ignores a response that does not hold exactly one"
        }
        guard let nextUpdate = single.nextUpdate.map(Date.init) else {
            return "no nextUpdate: HAProxy 2.6 ignores such a response (\"missing nextupdate\")"
        }
        guard let expected = try? CertID(certificate: certificate, issuer: issuer, hash: .sha1) else {
            return "cannot compute the SHA-1 CertID of the certificate"
        }
        if single.certID != expected {
            let algorithm =
                OCSPHashAlgorithm(single.certID.hashAlgorithm)?.name ?? "\(single.certID.hashAlgorithm.algorithm)"
            if single.certID.hashAlgorithm.algorithm != OCSPHashAlgorithm.sha1.oid {
                return "its CertID is hashed with \(algorithm): HAProxy 2.6 matches only the SHA-1 CertID "
                    + "OpenSSL computes (OCSP_cert_to_id), so it would never staple it"
            }
            return "its CertID (serial \(single.certID.serialNumberHex)) is not the SHA-1 CertID of serial "
                + "\(expected.serialNumberHex) and its issuer with NULL parameters, which HAProxy 2.6 looks up"
        }
        let left = nextUpdate.timeIntervalSince(now)
        guard left > minimumTimeLeft else {
            return "nextUpdate \(ISO8601DateFormatter().string(from: nextUpdate)) is \(Int(left.rounded(.down))) s "
                + "away: HAProxy 2.6 never staples a response with under \(Int(minimumTimeLeft)) s left"
        }
        return nil
    }
}
