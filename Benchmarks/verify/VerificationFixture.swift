import Crypto
import Foundation
import OCSPCore
import SwiftASN1
import X509
import _CryptoExtras

enum BenchKeyType: String, CaseIterable {
    case rsa2048 = "RSA-2048"
    case p256 = "P-256"

    func newKey() throws -> Certificate.PrivateKey {
        switch self {
        case .rsa2048: Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        case .p256: Certificate.PrivateKey(P256.Signing.PrivateKey())
        }
    }

    var signatureAlgorithm: Certificate.SignatureAlgorithm {
        switch self {
        case .rsa2048: .sha256WithRSAEncryption
        case .p256: .ecdsaWithSHA256
        }
    }
}

/// A CA, a leaf and a good response signed by the CA, made in-process.
struct VerificationFixture {
    let ca: Certificate
    let leaf: Certificate
    let response: [UInt8]
    let now = Date()

    init(keyType: BenchKeyType) throws {
        let caKey = try keyType.newKey()
        let caName = try DistinguishedName { CommonName("Staple Bench CA \(keyType.rawValue)") }
        ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: caKey.publicKey, notValidBefore: now - 3_600,
            notValidAfter: now + 30 * 86_400, issuer: caName, subject: caName,
            signatureAlgorithm: keyType.signatureAlgorithm,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: caKey
        )
        let leafKey = try keyType.newKey()
        leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: leafKey.publicKey, notValidBefore: now - 3_600,
            notValidAfter: now + 10 * 86_400, issuer: caName,
            subject: try DistinguishedName { CommonName("bench.example") },
            signatureAlgorithm: keyType.signatureAlgorithm,
            extensions: try Certificate.Extensions { BasicConstraints.notCertificateAuthority },
            issuerPrivateKey: caKey
        )
        let single = SingleResponse(
            certID: try CertID(certificate: leaf, issuer: ca), certStatus: .good,
            thisUpdate: try GeneralizedTime(now - 60), nextUpdate: try GeneralizedTime(now + 86_400)
        )
        response = try OCSPResponseSigner(certificate: ca, privateKey: caKey).sign([single], producedAt: now)
    }

    func verifyWithStaple() -> Bool {
        OCSPVerifier().verify(response: response, certificate: leaf, issuer: ca, now: now).verdict == .good
    }
}
