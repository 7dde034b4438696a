import Foundation
import X509

/// Checks 11 to 14: the SingleResponse for this certificate, and its time window
/// (RFC 6960 §4.1.1, §3.2 items 1, 5 and 6, §4.2.2.1).
extension OCSPVerifier {
    static func matchingResponse(
        _ basic: BasicOCSPResponse, certificate: Certificate, issuer: OCSPIssuer, log: inout CheckLog
    ) throws(VerificationStop) -> SingleResponse {
        let id = "certid-match"
        let reference = "RFC 6960 §4.1.1, §3.2 item 1"
        let responses = basic.tbsResponseData.responses
        let serial = Array(certificate.serialNumber.bytes)
        // The serial first (cheap), then both issuer hashes with the CertID's own algorithm.
        guard let match = responses.first(where: { $0.certID.serialNumber == serial && issuer.isNamed(by: $0.certID) })
        else {
            throw log.fail(
                id, reference, .noStatus,
                "none of the \(responses.count) SingleResponse(s) is for serial \(certificate.serialNumber.bytes.hexString) "
                    + "issued by \(issuer.certificate.subject)"
            )
        }
        log.pass(id, reference, "\(match.certID.hashAlgorithmName) CertID for serial \(match.certID.serialNumberHex)")
        return match
    }

    static func timeWindow(
        _ single: SingleResponse, now: Date, skew: TimeInterval, log: inout CheckLog
    ) throws(VerificationStop) {
        let thisUpdate = Date(single.thisUpdate)
        guard thisUpdate <= now.addingTimeInterval(skew) else {
            throw log.reject(
                "this-update", "RFC 6960 §3.2 item 5, §4.2.2.1", .notYetValid,
                "thisUpdate \(thisUpdate.iso8601) is after \(now.iso8601) (clock skew \(Int(skew)) s)"
            )
        }
        log.pass(
            "this-update", "RFC 6960 §3.2 item 5, §4.2.2.1",
            "thisUpdate \(thisUpdate.iso8601) is not in the future (clock skew \(Int(skew)) s)")

        guard let next = single.nextUpdate.map({ Date($0) }) else {
            log.warn(
                "next-update", "RFC 6960 §4.2.2.1, RFC 5019 §2.2.4",
                "no nextUpdate: newer information is always available, so this response has no upper bound and is not stapleable"
            )
            return
        }
        guard thisUpdate <= next else {
            throw log.reject(
                "update-order", "RFC 6960 §4.2.2.1", .nextUpdateBeforeThisUpdate,
                "nextUpdate \(next.iso8601) is before thisUpdate \(thisUpdate.iso8601)"
            )
        }
        log.pass("update-order", "RFC 6960 §4.2.2.1", "thisUpdate is before nextUpdate")
        guard next >= now.addingTimeInterval(-skew) else {
            throw log.reject(
                "next-update", "RFC 6960 §3.2 item 6, §4.2.2.1", .expired,
                "nextUpdate \(next.iso8601) has passed at \(now.iso8601) (clock skew \(Int(skew)) s)"
            )
        }
        log.pass(
            "next-update", "RFC 6960 §3.2 item 6, §4.2.2.1", "nextUpdate \(next.iso8601) has not passed (clock skew \(Int(skew)) s)")
    }
}

extension CertID {
    /// `sha1`, `sha256`, ... or the OID of an algorithm we do not know.
    public var hashAlgorithmName: String { OCSPHashAlgorithm(hashAlgorithm)?.name ?? "\(hashAlgorithm.algorithm)" }
}
