import SwiftASN1
import X509

/// Checks 5 to 7: an acceptable signature algorithm, the signer located by ResponderID, and the
/// signature over the received tbsResponseData bytes (RFC 6960 §4.2.1, §4.2.2.3, §3.2 item 2).
extension OCSPVerifier {
    /// The algorithm identifiers we verify; MD2 and MD5 are refused (RFC 6151, RFC 6960 §4.3).
    static let signatureAlgorithms:
        [ASN1ObjectIdentifierKey: (name: String, algorithm: Certificate.SignatureAlgorithm?)] = [
            .init([1, 2, 840, 113_549, 1, 1, 2]): ("md2WithRSAEncryption", nil),
            .init([1, 2, 840, 113_549, 1, 1, 4]): ("md5WithRSAEncryption", nil),
            .init([1, 2, 840, 113_549, 1, 1, 5]): ("sha1WithRSAEncryption", .sha1WithRSAEncryption),
            .init([1, 2, 840, 113_549, 1, 1, 11]): ("sha256WithRSAEncryption", .sha256WithRSAEncryption),
            .init([1, 2, 840, 113_549, 1, 1, 12]): ("sha384WithRSAEncryption", .sha384WithRSAEncryption),
            .init([1, 2, 840, 113_549, 1, 1, 13]): ("sha512WithRSAEncryption", .sha512WithRSAEncryption),
            .init([1, 2, 840, 10_045, 4, 3, 2]): ("ecdsa-with-SHA256", .ecdsaWithSHA256),
            .init([1, 2, 840, 10_045, 4, 3, 3]): ("ecdsa-with-SHA384", .ecdsaWithSHA384),
            .init([1, 2, 840, 10_045, 4, 3, 4]): ("ecdsa-with-SHA512", .ecdsaWithSHA512),
            .init([1, 3, 101, 112]): ("ED25519", .ed25519),
        ]

    static func signatureAlgorithm(
        _ basic: BasicOCSPResponse, log: inout CheckLog
    ) throws(VerificationStop)
        -> Certificate.SignatureAlgorithm
    {
        let id = "signature-algorithm"
        let reference = "RFC 6960 §4.3, RFC 6151"
        let oid = basic.signatureAlgorithm.algorithm
        guard let known = signatureAlgorithms[ASN1ObjectIdentifierKey(oid)] else {
            throw log.reject(
                id, reference, .unsupportedSignatureAlgorithm, "signature algorithm \(oid) is not supported")
        }
        guard let algorithm = known.algorithm else {
            throw log.reject(id, reference, .weakSignatureAlgorithm, "\(known.name) is refused: MD2 and MD5 are broken")
        }
        // RSA PKCS#1 v1.5 identifiers take NULL or no parameters (RFC 4055 §5); ECDSA and Ed25519 take
        // none (RFC 5758 §3.2, RFC 8410 §3). Anything else would let unsigned bytes vary.
        let parameters = basic.signatureAlgorithm.parameters
        let isRSA = known.name.hasSuffix("WithRSAEncryption")
        guard parameters == nil || (isRSA && parameters == AlgorithmIdentifier.null) else {
            throw log.reject(id, reference, .unsupportedSignatureAlgorithm, "\(known.name) with unexpected parameters")
        }
        log.pass(id, reference, known.name)
        return algorithm
    }

    /// Finds the signer among the issuer, the trusted responders and the embedded certificates.
    static func locateSigner(
        _ basic: BasicOCSPResponse, issuer: OCSPIssuer, trustedResponders: [Certificate], log: inout CheckLog
    ) throws(VerificationStop) -> Certificate {
        let id = "signer-located"
        let reference = "RFC 6960 §4.2.1 (ResponderID), §4.2.2.3"
        let responderID = basic.tbsResponseData.responderID
        let issuerMatches: Bool
        switch responderID {
        case .byName(let name): issuerMatches = issuer.certificate.subject == name
        case .byKey(let hash): issuerMatches = issuer.sha1KeyHash == hash
        }
        let signer =
            issuerMatches
            ? issuer.certificate
            : trustedResponders.first(where: { responderID.identifies($0) })
                ?? basic.certs.first(where: { responderID.identifies($0) })
        guard let signer else {
            throw log.reject(
                id, reference, .signerNotFound,
                "no certificate matches ResponderID \(responderID.displayString) (looked at the issuer, "
                    + "\(trustedResponders.count) trusted responder(s), \(basic.certs.count) embedded certificate(s))"
            )
        }
        log.pass(
            id, reference,
            "\(responderID.displayString) names "
                + (issuerMatches
                    ? "the issuer"
                    : (trustedResponders.contains(signer) ? "a trusted responder" : "an embedded certificate")))
        return signer
    }

    static func signature(
        _ basic: BasicOCSPResponse, signer: Certificate, algorithm: Certificate.SignatureAlgorithm, log: inout CheckLog
    ) throws(VerificationStop) {
        let id = "signature"
        let reference = "RFC 6960 §3.2 item 2, §4.2.1"
        guard basic.signature.paddingBits == 0,
            signer.publicKey.isValidSignature(
                basic.signature.bytes, for: basic.tbsResponseDataBytes, signatureAlgorithm: algorithm)
        else {
            throw log.reject(
                id, reference, .badSignature, "signature does not verify with the key of \(signer.subject)")
        }
        log.pass(
            id, reference,
            "valid \(signatureAlgorithmName(basic.signatureAlgorithm)) signature over the received tbsResponseData")
    }
}

/// A hashable key for an object identifier (ASN1ObjectIdentifier is hashable; this keeps the table literal short).
struct ASN1ObjectIdentifierKey: Hashable {
    var oid: SwiftASN1.ASN1ObjectIdentifier
    init(_ oid: SwiftASN1.ASN1ObjectIdentifier) { self.oid = oid }
}

extension ResponderID {
    /// `byName: CN=...` or `byKey: <hex>`, as in verification messages.
    public var displayString: String {
        switch self {
        case .byName(let name): "byName \(name)"
        case .byKey(let hash): "byKey \(hash.hexString)"
        }
    }
}

extension OCSPVerifier {
    /// The name of a signature algorithm identifier (`sha256WithRSAEncryption`), or its OID.
    public static func signatureAlgorithmName(_ identifier: AlgorithmIdentifier) -> String {
        signatureAlgorithms[ASN1ObjectIdentifierKey(identifier.algorithm)]?.name ?? "\(identifier.algorithm)"
    }
}
