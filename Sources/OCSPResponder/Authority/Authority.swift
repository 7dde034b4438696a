import Foundation
import OCSPCore
import SwiftASN1
import X509

/// One CA the responder answers for: its certificate, who signs for it, and the issuer hashes a
/// CertID must carry to name it.
package struct Authority: Sendable {
    /// The CA certificate whose certificates are answered for.
    package let issuer: Certificate
    /// The CA itself, or a delegated responder it issued with id-kp-OCSPSigning.
    package let signer: OCSPResponseSigner
    /// A short name for logs and metrics (the CA file's base name by default).
    package let name: String
    private let hashes: [OCSPHashAlgorithm: IssuerHashPair]

    /// The CertID hash algorithms whose responses are signed ahead (RFC 6960 SHA-1, RFC 9919 SHA-256).
    package static let presignedHashes: [OCSPHashAlgorithm] = [.sha1, .sha256]

    /// - Throws: ``ResponderError`` (``ResponderErrorCode/unauthorizedSigner``, ``ResponderErrorCode/unusableKey``)
    ///   when the signer is not the CA and not a responder the CA issued with id-kp-OCSPSigning, or
    ///   when the key is not the signer certificate's.
    package init(issuer: Certificate, signer: OCSPResponseSigner, name: String) throws(ResponderError) {
        guard signer.privateKey.publicKey == signer.certificate.publicKey else {
            throw ResponderError(
                .unusableKey, subject: name, reason: "the key is not the key of \(signer.certificate.subject)")
        }
        if signer.certificate != issuer {
            guard signer.certificate.issuer == issuer.subject,
                issuer.publicKey.isValidSignature(signer.certificate.signature, for: signer.certificate)
            else {
                throw ResponderError(
                    .unauthorizedSigner, subject: name,
                    reason: "signer \(signer.certificate.subject) was not issued by \(issuer.subject)")
            }
            guard (try? signer.certificate.extensions.extendedKeyUsage)?.contains(.ocspSigning) == true else {
                throw ResponderError(
                    .unauthorizedSigner, subject: name,
                    reason: "signer \(signer.certificate.subject) lacks id-kp-OCSPSigning in its extended key usage")
            }
        }
        var hashes: [OCSPHashAlgorithm: IssuerHashPair] = [:]
        for hash in OCSPHashAlgorithm.all {
            guard let own = try? CertID(certificate: issuer, issuer: issuer, hash: hash) else {
                throw ResponderError(
                    .unusableCertificate, subject: name, reason: "cannot hash the name and key of \(issuer.subject)")
            }
            hashes[hash] = IssuerHashPair(name: own.issuerNameHash, key: own.issuerKeyHash)
        }
        self.issuer = issuer
        self.signer = signer
        self.name = name
        self.hashes = hashes
    }

    /// Whether `certID` names this CA: same issuer name and key hashes under the CertID's algorithm.
    package func serves(_ certID: CertID) -> Bool {
        guard let hash = OCSPHashAlgorithm(certID.hashAlgorithm), let pair = hashes[hash] else { return false }
        return certID.issuerKeyHash == pair.key && certID.issuerNameHash == pair.name
    }

    /// The CertID for the certificate with serial magnitude `serial`, as a client computes it.
    package func certID(serial: [UInt8], hash: OCSPHashAlgorithm) -> CertID {
        let pair = hashes[hash]!  // every algorithm is computed in init
        // DER INTEGER content: a magnitude with its high bit set needs a leading zero octet.
        let content = (serial.first ?? 0) & 0x80 != 0 ? [0] + serial : serial
        return CertID(
            hashAlgorithm: hash.identifier, issuerNameHash: pair.name, issuerKeyHash: pair.key, serialNumber: content)
    }
}

struct IssuerHashPair: Sendable, Hashable {
    var name: [UInt8]
    var key: [UInt8]
}
