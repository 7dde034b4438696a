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
    var policy: RefreshPolicy? {
        get { policyBox?.policy }
        set { policyBox = newValue.map(PolicyBox.init) }
    }
    /// One reference in every entry instead of a policy's 49 bytes inline, usually nil.
    private var policyBox: PolicyBox?

    private final class PolicyBox: Sendable {
        let policy: RefreshPolicy
        init(_ policy: RefreshPolicy) { self.policy = policy }
    }

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
        policyBox = managed.policy.map(PolicyBox.init)
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

/// What the stored certificates of one refresher share: one ``OCSPIssuer`` per CA, and one array per
/// distinct list of responder URLs (100,000 certificates sent to one responder hold one list, not
/// 100,000 copies of it), both counted and forgotten when no certificate uses them.
struct SharedParts: Sendable {
    private(set) var issuers = IssuerTable()
    private var responderURLs = CountedTable<[String], [String]>()

    /// `managed` as the refresher keeps it, with the shared parts retained.
    mutating func stored(_ managed: ManagedCertificate, der: [UInt8]) -> StoredCertificate {
        var stored = StoredCertificate(managed, der: der, issuer: issuers.retain(managed.issuer))
        stored.responderURLs = managed.responderURLs.map { responderURLs.retain($0) { $0 } }
        return stored
    }

    /// Releases the shared parts of a certificate no longer kept.
    mutating func forget(_ stored: StoredCertificate) {
        issuers.release(stored.issuer)
        if let urls = stored.responderURLs { responderURLs.release(urls) }
    }

    /// How many distinct responder URL lists are held.
    var responderURLListCount: Int { responderURLs.count }
}

/// One ``OCSPIssuer`` per distinct issuer certificate, so that the certificates of one CA share it,
/// counted so that an issuer no certificate uses any more is forgotten.
///
/// Keyed by the issuer `Certificate` itself (equal when their TBSCertificate bytes are: the same
/// name and key), so one CA's hashes can never be used for another's certificates.
struct IssuerTable: Sendable {
    private var issuers = CountedTable<Certificate, OCSPIssuer>()

    /// The shared ``OCSPIssuer`` of `certificate` (made on first use), counted as used once more.
    mutating func retain(_ certificate: Certificate) -> OCSPIssuer {
        issuers.retain(certificate) { OCSPIssuer($0) }
    }

    /// Counts `issuer` as used once less; forgets it when nothing uses it.
    mutating func release(_ issuer: OCSPIssuer) {
        issuers.release(issuer.certificate)
    }

    /// How many distinct issuers are held.
    var count: Int { issuers.count }
}

/// Values shared by key and counted: made on first use, forgotten when the last user releases them.
struct CountedTable<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private var values: [Key: (value: Value, users: Int)] = [:]

    /// The value for `key` (made by `make` on first use), counted as used once more.
    mutating func retain(_ key: Key, make: (Key) -> Value) -> Value {
        if let known = values[key] {
            values[key]?.users += 1
            return known.value
        }
        let value = make(key)
        values[key] = (value, 1)
        return value
    }

    /// Counts `key` as used once less; forgets its value when nothing uses it.
    mutating func release(_ key: Key) {
        guard let known = values[key] else { return }
        if known.users <= 1 {
            values[key] = nil
        } else {
            values[key]?.users -= 1
        }
    }

    /// How many distinct keys are held.
    var count: Int { values.count }
}
