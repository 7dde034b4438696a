import Foundation
import SwiftASN1
import X509

/// Check 8: the signer is authorized to speak for the issuer (RFC 6960 §4.2.2.2, §3.2 item 4).
///
/// Authorized are: the issuer itself; a certificate issued directly by the issuer (name chaining
/// and the issuer's signature) that carries id-kp-OCSPSigning and is valid at `now`; or a
/// responder the caller trusts explicitly (also required to be valid at `now`).
extension OCSPVerifier {
    static func authorization(
        signer: Certificate, issuer: Certificate, trustedResponders: [Certificate], now: Date, log: inout CheckLog
    ) throws(VerificationStop) {
        let id = "signer-authorized"
        let reference = "RFC 6960 §4.2.2.2, §3.2 item 4"
        if signer == issuer {
            log.pass(id, reference, "signed by the issuing CA itself")
            return
        }
        if trustedResponders.contains(signer) {
            guard signer.isValid(at: now) else {
                throw log.reject(
                    id, reference, .unauthorizedSigner,
                    "trusted responder \(signer.subject) is not valid at \(now.iso8601)")
            }
            log.pass(id, reference, "explicitly trusted responder \(signer.subject)")
            return
        }
        guard signer.issuer == issuer.subject, issuer.publicKey.isValidSignature(signer.signature, for: signer) else {
            throw log.reject(
                id, reference, .unauthorizedSigner,
                "signer \(signer.subject) is neither the issuer \(issuer.subject) nor a responder it issued"
            )
        }
        let eku = try? signer.extensions.extendedKeyUsage
        guard eku?.contains(.ocspSigning) == true else {
            throw log.reject(
                id, reference, .unauthorizedSigner, "delegated responder \(signer.subject) lacks id-kp-OCSPSigning"
            )
        }
        guard signer.isValid(at: now) else {
            throw log.reject(
                id, reference, .unauthorizedSigner,
                "delegated responder \(signer.subject) is valid \(signer.notValidBefore.iso8601) to "
                    + "\(signer.notValidAfter.iso8601), not at \(now.iso8601)"
            )
        }
        log.pass(
            id, reference, "delegated responder \(signer.subject) issued by \(issuer.subject) with id-kp-OCSPSigning")
    }
}

extension Certificate {
    func isValid(at now: Date) -> Bool { notValidBefore <= now && now <= notValidAfter }
}

extension Date {
    /// `2025-01-01T00:00:00Z` (whole seconds, UTC).
    public var iso8601: String {
        guard let t = try? GeneralizedTime(self) else { return "\(timeIntervalSince1970)" }
        func pad(_ value: Int, _ width: Int = 2) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(t.year, 4))-\(pad(t.month))-\(pad(t.day))T\(pad(t.hours)):\(pad(t.minutes)):\(pad(t.seconds))Z"
    }
}
