import Crypto
import Foundation
import SwiftASN1
import X509

/// Signs OCSP responses as an issuing CA or as a delegated responder (RFC 6960 §4.2).
///
/// The signature algorithm follows the key: sha256WithRSAEncryption for RSA, ECDSA with SHA-256,
/// SHA-384 or SHA-512 for P-256, P-384 and P-521, Ed25519 for Ed25519.
public struct OCSPResponseSigner: Sendable {
    /// The certificate whose key signs: the issuer itself, or a responder it certified.
    public var certificate: Certificate
    public var privateKey: Certificate.PrivateKey
    /// Name the signer by key hash (`byKey`, the RFC 5019 choice) or by subject (`byName`).
    public var responderIDByKey: Bool
    /// Certificates to embed in `certs`, e.g. a delegated responder's own certificate.
    public var embeddedCertificates: [Certificate]

    public init(
        certificate: Certificate, privateKey: Certificate.PrivateKey, responderIDByKey: Bool = true,
        embeddedCertificates: [Certificate] = []
    ) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.responderIDByKey = responderIDByKey
        self.embeddedCertificates = embeddedCertificates
    }

    /// A delegated responder: it signs and its certificate travels in the response.
    public static func delegated(certificate: Certificate, privateKey: Certificate.PrivateKey) -> OCSPResponseSigner {
        OCSPResponseSigner(certificate: certificate, privateKey: privateKey, embeddedCertificates: [certificate])
    }

    /// The DER of a successful OCSPResponse carrying `responses`, signed now.
    ///
    /// - Parameters:
    ///   - producedAt: when the response is signed; a parameter, never read from the clock here.
    ///   - extensions: response extensions, e.g. the nonce echoed from a request.
    public func sign(
        _ responses: [SingleResponse], producedAt: Date, extensions: [Certificate.Extension] = []
    ) throws -> [UInt8] {
        let data = ResponseData(
            responderID: try ResponderID(certificate: certificate, byKey: responderIDByKey),
            producedAt: try GeneralizedTime(producedAt),
            responses: responses,
            responseExtensions: extensions
        )
        var tbs = DER.Serializer()
        try tbs.serialize(data)
        let (algorithm, identifier) = try signatureAlgorithm()
        let signature = try privateKey.sign(bytes: tbs.serializedBytes, signatureAlgorithm: algorithm)
        let basic = BasicOCSPResponse(
            tbsResponseData: data,
            tbsResponseDataBytes: tbs.serializedBytes[...],
            signatureAlgorithm: identifier,
            signature: ASN1BitString(bytes: signature.rawRepresentation[...]),
            certs: embeddedCertificates
        )
        var out = DER.Serializer()
        try out.serialize(OCSPResponse.successful(try ResponseBytes(basic: basic)))
        return out.serializedBytes
    }

    /// The DER of a non-successful OCSPResponse (no body, nothing signed): e.g. `tryLater`.
    public static func unsuccessful(_ status: OCSPResponseStatus) throws -> [UInt8] {
        var out = DER.Serializer()
        try out.serialize(OCSPResponse.unsuccessful(status))
        return out.serializedBytes
    }

    private func signatureAlgorithm() throws -> (Certificate.SignatureAlgorithm, AlgorithmIdentifier) {
        let key = privateKey.publicKey
        let algorithm: Certificate.SignatureAlgorithm
        if P256.Signing.PublicKey(key) != nil {
            algorithm = .ecdsaWithSHA256
        } else if P384.Signing.PublicKey(key) != nil {
            algorithm = .ecdsaWithSHA384
        } else if P521.Signing.PublicKey(key) != nil {
            algorithm = .ecdsaWithSHA512
        } else if Curve25519.Signing.PublicKey(key) != nil {
            algorithm = .ed25519
        } else {
            algorithm = .sha256WithRSAEncryption
        }
        guard let entry = OCSPVerifier.signatureAlgorithms.first(where: { $0.value.algorithm == algorithm }) else {
            throw OCSPCoreError(.buildFailed, reason: "no identifier for signature algorithm \(algorithm)")
        }
        // RSA identifiers carry NULL parameters; ECDSA and Ed25519 ones carry none (RFC 4055, RFC 5758, RFC 8410).
        let isRSA = algorithm == .sha256WithRSAEncryption
        return (
            algorithm, AlgorithmIdentifier(algorithm: entry.key.oid, parameters: isRSA ? AlgorithmIdentifier.null : nil)
        )
    }
}
