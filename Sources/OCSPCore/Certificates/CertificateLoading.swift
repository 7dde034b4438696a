import Foundation
import SwiftASN1
import X509

/// Reading certificates from PEM or DER files and bundles.
public enum CertificateLoading {
    /// Every certificate in `bytes`: one DER certificate, or any number of PEM `CERTIFICATE` blocks
    /// (other PEM blocks, such as keys, are skipped).
    ///
    /// - Throws: ``CertificateFileError`` naming `source` and what is wrong.
    public static func certificates(in bytes: [UInt8], source: String) throws -> [Certificate] {
        if let first = bytes.first, first == 0x30 {
            do {
                return [try Certificate(derEncoded: bytes)]
            } catch {
                throw CertificateFileError(source: source, reason: "not a DER certificate: \(error)")
            }
        }
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw CertificateFileError(source: source, reason: "neither DER nor PEM text")
        }
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: text)
        } catch {
            throw CertificateFileError(source: source, reason: "no readable PEM block: \(error)")
        }
        var certificates: [Certificate] = []
        for (index, document) in documents.enumerated() where document.discriminator == "CERTIFICATE" {
            do {
                certificates.append(try Certificate(derEncoded: document.derBytes))
            } catch {
                throw CertificateFileError(source: source, reason: "PEM block \(index + 1) is not a valid certificate: \(error)")
            }
        }
        guard !certificates.isEmpty else {
            throw CertificateFileError(source: source, reason: "contains no CERTIFICATE block")
        }
        return certificates
    }

    /// Every certificate in the file at `path`.
    public static func certificates(atPath path: String) throws -> [Certificate] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CertificateFileError(source: path, reason: "cannot be read (missing or no permission)")
        }
        return try certificates(in: Array(data), source: path)
    }

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

/// A certificate file that could not be used: which file and what is wrong with it.
public struct CertificateFileError: Error, CustomStringConvertible, Sendable {
    public var source: String
    public var reason: String
    public var description: String { "\(source): \(reason)" }
}
