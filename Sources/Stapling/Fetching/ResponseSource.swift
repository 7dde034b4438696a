import Foundation
import OCSPCore
import X509

/// What to ask for: a response for one certificate, judged against the staple held now.
package struct StapleRequest: Sendable {
    package var certificate: Certificate
    /// The issuer with its CertID hashes computed once (the refresher shares one per CA).
    package var preparedIssuer: OCSPIssuer
    package var issuer: Certificate {
        get { preparedIssuer.certificate }
        set { preparedIssuer = OCSPIssuer(newValue) }
    }
    /// Responder URLs to use instead of the certificate's AIA OCSP URLs.
    package var responderURLs: [String]?
    /// The CertID hash.
    package var hash: OCSPHashAlgorithm
    /// thisUpdate of the staple held now (nil when none): only a strictly newer good response is accepted.
    package var currentThisUpdate: Date?
    /// Gives the serving end of an accepted response.
    package var policy: RefreshPolicy

    package init(
        certificate: Certificate, issuer: Certificate, responderURLs: [String]? = nil, hash: OCSPHashAlgorithm = .sha1,
        currentThisUpdate: Date? = nil, policy: RefreshPolicy = RefreshPolicy()
    ) {
        self.init(
            certificate: certificate, issuer: OCSPIssuer(issuer), responderURLs: responderURLs, hash: hash,
            currentThisUpdate: currentThisUpdate, policy: policy)
    }

    /// A request whose issuer was prepared once for all the certificates of its CA.
    package init(
        certificate: Certificate, issuer: OCSPIssuer, responderURLs: [String]? = nil, hash: OCSPHashAlgorithm = .sha1,
        currentThisUpdate: Date? = nil, policy: RefreshPolicy = RefreshPolicy()
    ) {
        self.certificate = certificate
        self.preparedIssuer = issuer
        self.responderURLs = responderURLs
        self.hash = hash
        self.currentThisUpdate = currentThisUpdate
        self.policy = policy
    }

    /// The certificate's serial number in hex, for messages.
    package var serialNumberHex: String { Array(certificate.serialNumber.bytes).hexString }
}

/// Where the refresher gets a response for a certificate: ``StapleFetch`` asks the responders over
/// HTTP; tests script answers.
///
/// An implementation judges each response it receives with ``StapleJudgement`` (so a ``Staple``
/// only ever comes out verified) and reports every failure on the way.
package protocol ResponseSource: Sendable {
    /// A judged response for `request`, or the failures that prevented one.
    ///
    /// - Important: `now` is read when each answer arrives, to verify it.
    func response(for request: StapleRequest, now: @escaping @Sendable () -> Date) async -> StapleFetchOutcome
}
