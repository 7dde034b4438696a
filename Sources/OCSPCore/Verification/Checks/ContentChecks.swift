import X509

/// Checks 9 and 10: no unknown critical extension (RFC 6960 §4.4, RFC 5280 §4.2) and the nonce
/// (RFC 6960 §4.4.1, RFC 8954), compared only when the request carried one.
extension OCSPVerifier {
    static func criticalExtensions(
        _ extensions: [Certificate.Extension], scope: String, log: inout CheckLog
    ) throws(VerificationStop) {
        let id = "critical-extensions"
        let reference = "RFC 6960 §4.4, RFC 5280 §4.2"
        if let unknown = extensions.first(where: {
            $0.critical && !OCSPObjectIdentifier.understoodExtensions.contains($0.oid)
        }) {
            throw log.reject(
                id, reference, .unknownCriticalExtension, "unknown critical \(scope) extension \(unknown.oid)")
        }
        log.pass(id, reference, "no unknown critical \(scope) extension (\(extensions.count) present)")
    }

    static func nonce(_ basic: BasicOCSPResponse, expected: [UInt8]?, log: inout CheckLog) throws(VerificationStop) {
        let id = "nonce"
        let reference = "RFC 6960 §4.4.1, RFC 8954 §2"
        guard let expected else { return }
        guard let received = basic.tbsResponseData.responseExtensions.nonce else {
            throw log.reject(id, reference, .nonceMismatch, "request carried a nonce, the response has none")
        }
        guard received == expected else {
            throw log.reject(
                id, reference, .nonceMismatch,
                "response nonce \(received.hexString) is not the request's \(expected.hexString)")
        }
        log.pass(id, reference, "nonce \(expected.hexString) echoed")
    }
}
