import Foundation
import OCSPCore
import X509

/// A certificate the engine keeps a staple for.
public struct ManagedCertificate: Sendable {
    /// The caller's stable name for it (a site, a file path): renewal replaces the certificate under
    /// the same id.
    public var id: String
    public var certificate: Certificate
    public var issuer: Certificate
    /// Responder URLs to use instead of the certificate's AIA OCSP URLs.
    public var responderURLs: [String]?
    /// The CertID hash: SHA-1 is what RFC 5019 responders are required to answer.
    public var hash: OCSPHashAlgorithm

    public init(
        id: String, certificate: Certificate, issuer: Certificate, responderURLs: [String]? = nil,
        hash: OCSPHashAlgorithm = .sha1
    ) {
        self.id = id
        self.certificate = certificate
        self.issuer = issuer
        self.responderURLs = responderURLs
        self.hash = hash
    }

    public var key: CertificateKey { CertificateKey(certificate: certificate) }
    public var serialNumberHex: String { Array(certificate.serialNumber.bytes).hexString }
}
