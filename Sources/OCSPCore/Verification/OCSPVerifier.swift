import Foundation
import X509

/// Judges an OCSP response for one certificate, running every check and saying which one failed.
///
/// The checks, in order (each stops verification when it fails):
///
/// 1. `size-and-der`: at most ``maximumResponseSize`` bytes, exactly one DER OCSPResponse with no
///    trailing bytes (RFC 6960 §4.2.1, X.690 §10).
/// 2. `response-status`: `successful`; anything else is the answer `responderError` (§4.2.1).
/// 3. `response-type`: id-pkix-ocsp-basic, and the BasicOCSPResponse decodes (§4.2.1).
/// 4. `version`: v1 (§4.2.1).
/// 5. `signature-algorithm`: one we verify; MD2 and MD5 are refused (§4.3, RFC 6151).
/// 6. `signer-located`: the certificate the ResponderID names (byName, or SHA-1 key hash byKey),
///    among the issuer, the trusted responders and the embedded certificates (§4.2.1, §4.2.2.3).
/// 7. `signature`: over the received tbsResponseData bytes, with the declared algorithm (§3.2 item 2).
/// 8. `signer-authorized`: the issuer itself, a responder the issuer certified directly with
///    id-kp-OCSPSigning and valid at `now`, or an explicitly trusted responder (§4.2.2.2, §3.2 item 4).
/// 9. `critical-extensions`: no unknown critical response extension (§4.4, RFC 5280 §4.2).
/// 10. `nonce`: echoed, only when a request nonce is given (§4.4.1, RFC 8954).
/// 11. `certid-match`: the SingleResponse whose CertID, recomputed with its own hash algorithm,
///     names this certificate and issuer; none is the answer `noStatus` (§4.1.1, §3.2 item 1).
///     Its single extensions then pass check 9 too.
/// 12. `this-update`: thisUpdate ≤ now + skew (§3.2 item 5).
/// 13. `update-order`: thisUpdate ≤ nextUpdate (§4.2.2.1).
/// 14. `next-update`: nextUpdate ≥ now − skew (§3.2 item 6); a missing nextUpdate is a warning
///     and makes the response unstapleable (RFC 5019 §2.2.4).
///
/// Then the status is the verdict: `good`, `revoked(time, reason)` or `unknown`.
///
/// - Important: `now` is always a parameter; the verifier never reads the clock.
public struct OCSPVerifier: Sendable {
    /// Five minutes: responders and servers drift; OpenSSL's `-validity_period` default is also 5 min.
    public static let defaultClockSkew: TimeInterval = 300
    /// 64 KiB: real responses are a few KiB even with embedded certificates; larger is an attack.
    public static let defaultMaximumResponseSize = 65_536

    public var clockSkew: TimeInterval
    public var maximumResponseSize: Int

    public init(clockSkew: TimeInterval = defaultClockSkew, maximumResponseSize: Int = defaultMaximumResponseSize) {
        self.clockSkew = clockSkew
        self.maximumResponseSize = maximumResponseSize
    }

    /// Verifies `response` for `certificate`, issued by `issuer`, at `now`.
    ///
    /// - Parameters:
    ///   - response: the DER bytes as received.
    ///   - trustedResponders: responder certificates the caller trusts explicitly.
    ///   - nonce: the request's nonce; when given, the response must echo it.
    public func verify(
        response: [UInt8], certificate: Certificate, issuer: Certificate, trustedResponders: [Certificate] = [],
        nonce: [UInt8]? = nil, now: Date
    ) -> OCSPVerification {
        verify(
            response: response, certificate: certificate, issuer: OCSPIssuer(issuer),
            trustedResponders: trustedResponders, nonce: nonce, now: now)
    }

    /// Verifies `response` for `certificate`, issued by `issuer`, at `now`: the same checks, with the
    /// issuer's hashes computed once for every response about its certificates.
    ///
    /// - Parameters:
    ///   - response: the DER bytes as received.
    ///   - trustedResponders: responder certificates the caller trusts explicitly.
    ///   - nonce: the request's nonce; when given, the response must echo it.
    public func verify(
        response: [UInt8], certificate: Certificate, issuer: OCSPIssuer, trustedResponders: [Certificate] = [],
        nonce: [UInt8]? = nil, now: Date
    ) -> OCSPVerification {
        var log = CheckLog()
        var result = OCSPVerification(verdict: .noStatus, checks: [])
        do throws(VerificationStop) {
            let basic = try authenticate(
                response, issuer: issuer, trustedResponders: trustedResponders, now: now, log: &log, into: &result)
            try Self.nonce(basic, expected: nonce, log: &log)
            let single = try Self.matchingResponse(basic, certificate: certificate, issuer: issuer, log: &log)
            result.singleResponse = single
            try Self.criticalExtensions(single.singleExtensions, scope: "single-response", log: &log)
            try Self.timeWindow(single, now: now, skew: clockSkew, log: &log)
            result.verdict = Self.verdict(single.certStatus)
        } catch {
            result.verdict = error.verdict
        }
        result.checks = log.checks
        return result
    }

    /// Runs checks 1 to 9 only: whether the response is authentic and its signer may speak for `issuer`.
    ///
    /// The verdict is `good` when all of them pass (no certificate status is judged), otherwise the
    /// rejection or responder error. For callers that hold no end-entity certificate.
    public func authenticate(
        response: [UInt8], issuer: Certificate, trustedResponders: [Certificate] = [], now: Date
    ) -> OCSPVerification {
        authenticate(response: response, issuer: OCSPIssuer(issuer), trustedResponders: trustedResponders, now: now)
    }

    /// Runs checks 1 to 9 only, with the issuer's hashes computed once (see ``OCSPIssuer``).
    public func authenticate(
        response: [UInt8], issuer: OCSPIssuer, trustedResponders: [Certificate] = [], now: Date
    ) -> OCSPVerification {
        var log = CheckLog()
        var result = OCSPVerification(verdict: .good, checks: [])
        do throws(VerificationStop) {
            _ = try authenticate(
                response, issuer: issuer, trustedResponders: trustedResponders, now: now, log: &log, into: &result)
        } catch {
            result.verdict = error.verdict
        }
        result.checks = log.checks
        return result
    }

    private func authenticate(
        _ bytes: [UInt8], issuer: OCSPIssuer, trustedResponders: [Certificate], now: Date,
        log: inout CheckLog, into result: inout OCSPVerification
    ) throws(VerificationStop) -> BasicOCSPResponse {
        let response = try Self.decode(bytes, maximumSize: maximumResponseSize, log: &log)
        let body = try Self.successfulBody(response, log: &log)
        let basic = try Self.basicResponse(body, log: &log)
        result.response = basic
        try Self.version(basic, log: &log)
        let algorithm = try Self.signatureAlgorithm(basic, log: &log)
        let signer = try Self.locateSigner(basic, issuer: issuer, trustedResponders: trustedResponders, log: &log)
        result.signer = signer
        try Self.signature(basic, signer: signer, algorithm: algorithm, log: &log)
        try Self.authorization(
            signer: signer, issuer: issuer.certificate, trustedResponders: trustedResponders, now: now, log: &log)
        try Self.criticalExtensions(basic.tbsResponseData.responseExtensions, scope: "response", log: &log)
        return basic
    }

    private static func verdict(_ status: CertStatus) -> OCSPVerdict {
        switch status {
        case .good: .good
        case .revoked(let time, let reason): .revoked(time: Date(time), reason: reason)
        case .unknown: .unknown
        }
    }
}
