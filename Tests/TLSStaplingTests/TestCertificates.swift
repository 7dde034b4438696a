import Crypto
import Foundation
import OCSPCore
import SwiftASN1
import TLSStapling
import X509
import _CryptoExtras

/// Certificates, keys and staples made in-process, written as PEM files for OpenSSL to load.
struct TestCertificates {
    let directory: URL
    let ca: Certificate
    let caKey: Certificate.PrivateKey

    init(name: String = "Staple TLS Test CA") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("staple-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        caKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let caName = try DistinguishedName { CommonName(name) }
        let now = Date()
        ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: caKey.publicKey, notValidBefore: now - 3_600,
            notValidAfter: now + 30 * 86_400, issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: caKey
        )
        try write(CertificateLoading.pem(ca), to: "ca.pem")
    }

    struct Leaf {
        var certificate: Certificate
        var source: TLSCertificateSourcePaths
        var der: [UInt8] { CertificateLoading.derBytes(certificate) }
    }

    struct TLSCertificateSourcePaths {
        var chainPath: String
        var keyPath: String
    }

    /// A leaf for `dnsName`, with an RSA or P-256 key, written as `name.pem` (leaf + CA) and `name.key`.
    func leaf(_ name: String, dnsName: String, rsa: Bool = false) throws -> Leaf {
        let key =
            rsa
            ? Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits2048))
            : Certificate.PrivateKey(P256.Signing.PrivateKey())
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey, notValidBefore: now - 3_600,
            notValidAfter: now + 10 * 86_400, issuer: ca.subject,
            subject: try DistinguishedName { CommonName(dnsName) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                BasicConstraints.notCertificateAuthority
                SubjectAlternativeNames([.dnsName(dnsName)])
            },
            issuerPrivateKey: caKey
        )
        try write(CertificateLoading.pem(certificate) + CertificateLoading.pem(ca), to: "\(name).pem")
        try write(key.serializeAsPEM().pemString + "\n", to: "\(name).key")
        return Leaf(
            certificate: certificate,
            source: TLSCertificateSourcePaths(chainPath: path("\(name).pem"), keyPath: path("\(name).key")))
    }

    /// A good staple for `leaf`, signed by the CA, valid for a day.
    func staple(for leaf: Certificate, status: CertStatus = .good) throws -> [UInt8] {
        let now = Date()
        let single = SingleResponse(
            certID: try CertID(certificate: leaf, issuer: ca), certStatus: status,
            thisUpdate: try GeneralizedTime(now - 60), nextUpdate: try GeneralizedTime(now + 86_400)
        )
        return try OCSPResponseSigner(certificate: ca, privateKey: caKey).sign([single], producedAt: now)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func write(_ text: String, to name: String) throws {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

extension TestCertificates.Leaf {
    var tlsSource: TLSCertificateSource { TLSCertificateSource(chainPath: source.chainPath, keyPath: source.keyPath) }
}
