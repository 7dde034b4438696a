import Foundation
import OCSPCore
import X509

/// A certificate the engine keeps a staple for.
package struct ManagedCertificate: Sendable {
    /// The caller's stable name for it (a site, a file path): renewal replaces the certificate under
    /// the same id.
    package var id: String
    package var certificate: Certificate
    package var issuer: Certificate
    /// Responder URLs to use instead of the certificate's AIA OCSP URLs.
    package var responderURLs: [String]?
    /// The CertID hash: SHA-1 is what RFC 5019 responders are required to answer.
    package var hash: OCSPHashAlgorithm
    /// This certificate's own refresh policy (a per-site refresh margin); nil: the refresher's.
    package var policy: RefreshPolicy?

    package init(
        id: String, certificate: Certificate, issuer: Certificate, responderURLs: [String]? = nil,
        hash: OCSPHashAlgorithm = .sha1, policy: RefreshPolicy? = nil
    ) {
        self.id = id
        self.certificate = certificate
        self.issuer = issuer
        self.responderURLs = responderURLs
        self.hash = hash
        self.policy = policy
    }

    package var key: CertificateKey { CertificateKey(certificate: certificate) }
    package var serialNumberHex: String { Array(certificate.serialNumber.bytes).hexString }
}
