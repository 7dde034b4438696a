import Foundation
import SwiftASN1
import X509

/// Reading certificates from the bytes of PEM or DER files and bundles (the caller reads the file).
public enum CertificateLoading {
    /// Every certificate in `bytes`: one DER certificate, or any number of PEM `CERTIFICATE` blocks
    /// (other PEM blocks, such as keys, are skipped).
    ///
    /// - Throws: ``OCSPCoreError`` naming `source` and what is wrong.
    public static func certificates(in bytes: [UInt8], source: String) throws(OCSPCoreError) -> [Certificate] {
        if let first = bytes.first, first == 0x30 {
            do {
                return [try certificate(der: bytes)]
            } catch {
                throw OCSPCoreError(.unreadableCertificate, subject: source, reason: "not a DER certificate: \(error)")
            }
        }
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw OCSPCoreError(.unreadableCertificate, subject: source, reason: "neither DER nor PEM text")
        }
        let blocks: [PEM.Block]
        do {
            blocks = try PEM.blocks(in: text)
        } catch {
            throw OCSPCoreError(.unreadableCertificate, subject: source, reason: "\(error)")
        }
        var certificates: [Certificate] = []
        for (index, block) in blocks.enumerated()
        where block.label == "CERTIFICATE" || block.label == "TRUSTED CERTIFICATE" {
            do {
                certificates.append(try certificate(der: block.der))
            } catch {
                throw OCSPCoreError(
                    .unreadableCertificate, subject: source,
                    reason: "PEM block \(index + 1) is not a valid certificate: \(error)")
            }
        }
        guard !certificates.isEmpty else {
            throw OCSPCoreError(.unreadableCertificate, subject: source, reason: "contains no CERTIFICATE block")
        }
        return certificates
    }

    /// Decodes one DER certificate, tolerating an MD2 or MD5 signature on the certificate itself.
    ///
    /// swift-certificates refuses to decode such certificates at all, yet old roots signed with MD5
    /// are still trust anchors (nobody checks an anchor's self-signature). Their signature algorithm
    /// is read as sha1WithRSAEncryption (the OIDs differ in their last octet only), so that the
    /// certificate's own signature can never verify, while its name and key serve as issuer or anchor.
    public static func certificate(der bytes: [UInt8]) throws -> Certificate {
        do {
            return try Certificate(derEncoded: bytes)
        } catch let error as CertificateError where error.code == .unsupportedSignatureAlgorithm {
            let weakRSA: [[UInt8]] = [md5WithRSA, md2WithRSA]
            var patched = bytes
            var index = 0
            var replaced = false
            while index + md5WithRSA.count <= patched.count {
                if weakRSA.contains(where: { patched[index..<index + $0.count].elementsEqual($0) }) {
                    patched[index + md5WithRSA.count - 1] = 0x05
                    replaced = true
                }
                index += 1
            }
            guard replaced else { throw error }
            return try Certificate(derEncoded: patched)
        }
    }

    /// DER of the OBJECT IDENTIFIERs md5WithRSAEncryption (1.2.840.113549.1.1.4) and md2WithRSAEncryption (…1.2).
    private static let md5WithRSA: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x04]
    private static let md2WithRSA: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x02]

    /// The DER encoding of a certificate.
    public static func derBytes(_ certificate: Certificate) -> [UInt8] {
        var serializer = DER.Serializer()
        // A Certificate that was decoded or built always serializes.
        try! serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    /// The PEM encoding of a certificate.
    public static func pem(_ certificate: Certificate) -> String {
        PEMDocument(type: "CERTIFICATE", derBytes: derBytes(certificate)).pemString + "\n"
    }
}
