import Foundation
import OCSPCore
import StapleFiles
import X509

/// Where one CA's material is: its certificate, its index, and the key that signs (the CA's own,
/// or a delegated responder's with that responder's certificate).
package struct AuthorityFiles: Sendable, Hashable {
    package var name: String
    package var caPath: String
    package var indexPath: String
    /// A delegated responder's certificate; nil when the CA signs itself.
    package var signerPath: String?
    /// The CA's key (no ``signerPath``) or the delegated responder's key.
    package var keyPath: String

    package init(name: String? = nil, caPath: String, indexPath: String, signerPath: String? = nil, keyPath: String) {
        self.name = name ?? URL(fileURLWithPath: caPath).deletingPathExtension().lastPathComponent
        self.caPath = caPath
        self.indexPath = indexPath
        self.signerPath = signerPath
        self.keyPath = keyPath
    }

    /// Reads the certificates and key and checks that the signer may sign for the CA.
    ///
    /// - Throws: ``ResponderError`` naming the file at fault.
    package func loadAuthority() throws(ResponderError) -> Authority {
        let ca = try Self.certificate(caPath)
        let signerCertificate = try signerPath.map { path throws(ResponderError) in try Self.certificate(path) } ?? ca
        let key: Certificate.PrivateKey
        do {
            let bytes = try InputFile.bytes(atPath: keyPath)
            key = try Certificate.PrivateKey(pemEncoded: String(decoding: bytes, as: UTF8.self))
        } catch let error as OCSPCoreError {
            throw ResponderError(.unusableKey, subject: keyPath, reason: error.reason)
        } catch {
            throw ResponderError(.unusableKey, subject: keyPath, reason: "not a PEM private key: \(error)")
        }
        let signer =
            signerPath == nil
            ? OCSPResponseSigner(certificate: ca, privateKey: key)
            : OCSPResponseSigner.delegated(certificate: signerCertificate, privateKey: key)
        return try Authority(issuer: ca, signer: signer, name: name)
    }

    /// Reads and parses the index.
    ///
    /// - Throws: ``ResponderError``: ``ResponderErrorCode/unreadableIndex`` or ``ResponderErrorCode/malformedIndex``.
    package func loadIndex() throws(ResponderError) -> CertificateIndex {
        let bytes: [UInt8]
        do {
            bytes = try Self.read(indexPath)
        } catch {
            throw ResponderError(.unreadableIndex, subject: indexPath, reason: error.reason)
        }
        return try CertificateIndex(parsing: bytes, source: indexPath)
    }

    private static func read(_ path: String) throws(ResponderError) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw ResponderError(
                .unreadableIndex, subject: path, reason: exists ? "cannot be read (permission?)" : "no such file")
        }
        defer { try? handle.close() }
        do {
            let data = try handle.read(upToCount: CertificateIndex.maximumSize + 1) ?? Data()
            return Array(data)
        } catch {
            throw ResponderError(.unreadableIndex, subject: path, reason: "cannot be read: \(error)")
        }
    }

    private static func certificate(_ path: String) throws(ResponderError) -> Certificate {
        do {
            guard let first = try InputFile.certificates(atPath: path).first else {
                throw ResponderError(.unusableCertificate, subject: path, reason: "no certificate in the file")
            }
            return first
        } catch let error as OCSPCoreError {
            throw ResponderError(.unusableCertificate, subject: path, reason: error.reason)
        } catch let error as ResponderError {
            throw error
        } catch {
            throw ResponderError(.unusableCertificate, subject: path, reason: "\(error)")
        }
    }
}
