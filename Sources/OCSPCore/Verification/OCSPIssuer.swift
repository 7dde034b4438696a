import X509

/// An issuing CA's certificate together with what verification derives from it, computed once: its
/// encoded name and key located in its TBSCertificate, and their SHA-1 hashes (RFC 6960 §4.1.1), which
/// also give the key hash a `byKey` ResponderID names (§4.2.1). Hashes with the other CertID
/// algorithms are computed from the located fields when a CertID asks for them.
///
/// Responses about many certificates of one CA are verified against one `OCSPIssuer` (the staple
/// engine keeps one per CA) instead of parsing the CA certificate again for every response.
/// Everything it holds is derived from ``certificate`` alone, when it is created: it cannot lend
/// one CA's hashes to another, and there is no cache to look anything up in.
public final class OCSPIssuer: Sendable {
    /// The issuer certificate.
    public let certificate: Certificate
    /// The name and key as encoded; nil when the certificate's fields cannot be read (then no CertID
    /// and no `byKey` ResponderID names it, as when recomputing them fails).
    private let fields: RawCertificateFields?
    /// The SHA-1 hashes: what RFC 5019 responders answer, and what `byKey` names.
    private let sha1: IssuerHashes?

    public init(_ certificate: Certificate) {
        self.certificate = certificate
        fields = try? RawCertificateFields(certificate)
        sha1 = fields.map { IssuerHashes(fields: $0, hash: .sha1) }
    }

    /// The name and key hashes with `hash`, or nil when the certificate's fields cannot be read.
    func hashes(_ hash: OCSPHashAlgorithm) -> IssuerHashes? {
        hash == .sha1 ? sha1 : fields.map { IssuerHashes(fields: $0, hash: hash) }
    }

    /// The CertID of the certificate with serial number `serialNumber` (its INTEGER content octets)
    /// issued by this issuer, computed with `hash`; nil when the issuer's fields cannot be read.
    public func certID(serialNumber: [UInt8], hash: OCSPHashAlgorithm = .sha1) -> CertID? {
        hashes(hash).map {
            CertID(
                hashAlgorithm: hash.identifier, issuerNameHash: $0.nameHash, issuerKeyHash: $0.keyHash,
                serialNumber: serialNumber)
        }
    }

    /// SHA-1 of the subjectPublicKey bits: what a `byKey` ResponderID holds (RFC 6960 §4.2.1).
    var sha1KeyHash: [UInt8]? { hashes(.sha1)?.keyHash }

    /// Whether `certID` names this issuer: its algorithm is one we compute and both of its hashes are
    /// this issuer's with that algorithm (the serial number is not compared).
    func isNamed(by certID: CertID) -> Bool {
        guard let hash = OCSPHashAlgorithm(certID.hashAlgorithm), let expected = hashes(hash) else { return false }
        return certID.issuerNameHash == expected.nameHash && certID.issuerKeyHash == expected.keyHash
    }
}
