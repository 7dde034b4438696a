import X509

/// An issuing CA's certificate together with what verification derives from it, computed once: the
/// hashes of its encoded name and key for every CertID hash algorithm (RFC 6960 §4.1.1), which also
/// give the SHA-1 key hash a `byKey` ResponderID names (§4.2.1).
///
/// Responses about many certificates of one CA are verified against one `OCSPIssuer` (the staple
/// engine keeps one per CA) instead of parsing the CA certificate again for every response.
/// Everything it holds is derived from ``certificate`` alone, when it is created: it cannot lend
/// one CA's hashes to another, and there is no cache to look anything up in.
public final class OCSPIssuer: Sendable {
    /// The issuer certificate.
    public let certificate: Certificate
    /// Name and key hashes per algorithm; empty when the certificate's fields cannot be read (then
    /// no CertID and no `byKey` ResponderID names it, as when recomputing them fails).
    private let hashes: [(algorithm: OCSPHashAlgorithm, hashes: IssuerHashes)]

    public init(_ certificate: Certificate) {
        self.certificate = certificate
        if let fields = try? RawCertificateFields(certificate) {
            hashes = OCSPHashAlgorithm.all.map { ($0, IssuerHashes(fields: fields, hash: $0)) }
        } else {
            hashes = []
        }
    }

    /// The name and key hashes with `hash`, or nil when the certificate's fields cannot be read.
    func hashes(_ hash: OCSPHashAlgorithm) -> IssuerHashes? {
        hashes.first { $0.algorithm == hash }?.hashes
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
        guard let entry = hashes.first(where: { $0.algorithm.oid == certID.hashAlgorithm.algorithm }) else {
            return false
        }
        return certID.issuerNameHash == entry.hashes.nameHash && certID.issuerKeyHash == entry.hashes.keyHash
    }
}
