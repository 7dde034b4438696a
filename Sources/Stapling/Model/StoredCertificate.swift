import Foundation
import OCSPCore
import X509

/// A managed certificate as the refresher keeps it while it manages it: the DER bytes, the few fields
/// a refresh reads without decoding them, and the issuer shared with every other certificate of that CA.
///
/// A decoded `Certificate` holds its names, extensions and public key as separate values (several KiB
/// for a small leaf); 100,000 of them would be most of the engine's memory, and the engine reads
/// almost none of it. Each refresh decodes the certificate again from ``der`` (microseconds, against
/// the milliseconds of the HTTP exchange); a decoding that fails there is reported as a failed refresh.
struct StoredCertificate: Sendable {
    /// The certificate's DER, as serialized from the `Certificate` it was given as.
    let der: [UInt8]
    /// The certificate's notAfter: no staple is served, and no refresh scheduled, past it.
    let notValidAfter: Date
    /// The issuer, its CertID hashes computed once; shared by the certificates of one CA.
    var issuer: OCSPIssuer
    /// Responder URLs to use instead of the certificate's AIA OCSP URLs.
    var responderURLs: [String]?
    /// The CertID hash.
    var hash: OCSPHashAlgorithm
    /// This certificate's own refresh policy; nil: the refresher's.
    var policy: RefreshPolicy?

    init(_ managed: ManagedCertificate, der: [UInt8], issuer: OCSPIssuer) {
        // An exact-size copy: a serializer's buffer grows by doubling, and this one is kept for as long as
        // the certificate is managed.
        self.der = [UInt8](unsafeUninitializedCapacity: der.count) { buffer, initialized in
            initialized = buffer.initialize(from: der).1
        }
        notValidAfter = managed.certificate.notValidAfter
        self.issuer = issuer
        responderURLs = managed.responderURLs
        hash = managed.hash
        policy = managed.policy
    }

    /// The certificate decoded from ``der``, or nil when it does not decode.
    func certificate() -> Certificate? {
        try? CertificateLoading.certificate(der: der)
    }

    /// The managed certificate again (decoded), as the caller gave it.
    func managed(id: String) -> ManagedCertificate? {
        certificate().map {
            ManagedCertificate(
                id: id, certificate: $0, issuer: issuer.certificate, responderURLs: responderURLs, hash: hash,
                policy: policy)
        }
    }
}

/// One ``OCSPIssuer`` per distinct issuer certificate, so that the certificates of one CA share it,
/// counted so that an issuer no certificate uses any more is forgotten.
///
/// Keyed by the issuer `Certificate` itself (equal when their TBSCertificate bytes are: the same
/// name and key), so one CA's hashes can never be used for another's certificates.
struct IssuerTable: Sendable {
    private var issuers: [Certificate: (issuer: OCSPIssuer, users: Int)] = [:]

    /// The shared ``OCSPIssuer`` of `certificate` (made on first use), counted as used once more.
    mutating func retain(_ certificate: Certificate) -> OCSPIssuer {
        if let known = issuers[certificate] {
            issuers[certificate]?.users += 1
            return known.issuer
        }
        let issuer = OCSPIssuer(certificate)
        issuers[certificate] = (issuer, 1)
        return issuer
    }

    /// Counts `issuer` as used once less; forgets it when nothing uses it.
    mutating func release(_ issuer: OCSPIssuer) {
        guard let known = issuers[issuer.certificate] else { return }
        if known.users <= 1 {
            issuers[issuer.certificate] = nil
        } else {
            issuers[issuer.certificate]?.users -= 1
        }
    }

    /// How many distinct issuers are held.
    var count: Int { issuers.count }
}
