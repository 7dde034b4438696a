import Crypto
import Foundation
import OCSPCore
import SwiftASN1
import X509

@testable import OCSPResponder

/// A CA made in memory (swift-certificates), for the tests that need no openssl and no socket.
struct MemoryPKI {
    let caKey: P256.Signing.PrivateKey
    let ca: Certificate
    let now: Date

    init(name: String = "Memory CA", now: Date = Date()) throws {
        self.now = now
        caKey = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: [0x01]), publicKey: .init(caKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(30 * 86_400),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey))
    }

    /// A leaf with `serial`, issued by this CA.
    func leaf(
        serial: [UInt8], extendedKeyUsage: [ExtendedKeyUsage.Usage] = [.serverAuth]
    ) throws -> (
        Certificate, P256.Signing.PrivateKey
    ) {
        let key = P256.Signing.PrivateKey()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: serial), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 86_400),
            issuer: ca.subject, subject: try DistinguishedName { CommonName("leaf \(serial.hexString)") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                try ExtendedKeyUsage(extendedKeyUsage)
            },
            issuerPrivateKey: .init(caKey))
        return (certificate, key)
    }

    var authority: Authority {
        get throws {
            try Authority(
                issuer: ca, signer: OCSPResponseSigner(certificate: ca, privateKey: .init(caKey)), name: "memory")
        }
    }

    /// A snapshot serving this CA with `index`, everything signed ahead at `now`.
    func snapshot(index: CertificateIndex, policy: ResponderPolicy = ResponderPolicy()) throws -> ResponderSnapshot {
        var state = AuthorityState(authority: try authority, index: index)
        let plan = PresignPlan(index: index, cache: state.cache, now: now, refresh: policy.refresh)
        try Presigner.apply(plan, to: &state, now: now, validity: policy.validity)
        return ResponderSnapshot(authorities: [state], policy: policy)
    }

    /// The DER of an OCSPRequest for `certificates` (with an optional nonce extension of `nonce` octets).
    func request(
        _ certificates: [Certificate], hash: OCSPHashAlgorithm = .sha1, nonce: [UInt8]? = nil
    ) throws -> [UInt8] {
        var extensions: [Certificate.Extension] = []
        if let nonce {
            var serializer = DER.Serializer()
            try serializer.serialize(ASN1OctetString(contentBytes: nonce[...]))
            extensions.append(
                Certificate.Extension(
                    oid: OCSPObjectIdentifier.nonce, critical: false, value: serializer.serializedBytes[...]))
        }
        let list = try certificates.map { Request(reqCert: try CertID(certificate: $0, issuer: ca, hash: hash)) }
        return try OCSPRequest(tbsRequest: TBSRequest(requestList: list, requestExtensions: extensions)).derBytes()
    }
}

/// An index entry for tests.
func entry(
    _ serial: [UInt8], _ kind: IndexEntry.Kind = .valid, revoked: Date? = nil, reason: CRLReason? = nil
)
    -> IndexEntry
{
    IndexEntry(
        kind: kind, expiry: Date(timeIntervalSince1970: 1_900_000_000), revocationTime: revoked,
        revocationReason: reason,
        serial: serial, subject: "/CN=\(serial.hexString)")
}
