import Foundation
import SwiftASN1
import X509

/// The identity of one certificate in a request or response: hashes of its issuer plus its serial number.
///
/// ```
/// CertID          ::=     SEQUENCE {                  -- RFC 6960 §4.1.1
///     hashAlgorithm       AlgorithmIdentifier,
///     issuerNameHash      OCTET STRING, -- Hash of issuer's DN
///     issuerKeyHash       OCTET STRING, -- Hash of issuer's public key
///     serialNumber        CertificateSerialNumber }
/// ```
public struct CertID: DERImplicitlyTaggable, Hashable, Sendable {
    public static var defaultIdentifier: ASN1Identifier { .sequence }

    public var hashAlgorithm: AlgorithmIdentifier
    public var issuerNameHash: [UInt8]
    public var issuerKeyHash: [UInt8]
    /// The serial number's INTEGER content octets, big-endian two's complement.
    public var serialNumber: [UInt8]

    public init(
        hashAlgorithm: AlgorithmIdentifier, issuerNameHash: [UInt8], issuerKeyHash: [UInt8], serialNumber: [UInt8]
    ) {
        self.hashAlgorithm = hashAlgorithm
        self.issuerNameHash = issuerNameHash
        self.issuerKeyHash = issuerKeyHash
        self.serialNumber = serialNumber
    }

    /// The CertID of `certificate`, issued by `issuer`, computed with `hash`.
    ///
    /// The name hash covers the DER of the issuer's subject; the key hash covers the issuer's
    /// subjectPublicKey BIT STRING value, without tag, length and unused-bits octet (RFC 6960 §4.1.1).
    public init(certificate: Certificate, issuer: Certificate, hash: OCSPHashAlgorithm = .sha1) throws {
        let issuerHashes = try IssuerHashes(issuer: issuer, hash: hash)
        self.init(
            hashAlgorithm: hash.identifier,
            issuerNameHash: issuerHashes.nameHash,
            issuerKeyHash: issuerHashes.keyHash,
            serialNumber: Array(certificate.serialNumber.bytes)
        )
    }

    public init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let hashAlgorithm = try AlgorithmIdentifier(derEncoded: &nodes)
            let nameHash = try ASN1OctetString(derEncoded: &nodes)
            let keyHash = try ASN1OctetString(derEncoded: &nodes)
            let serial = try ArraySlice<UInt8>(derEncoded: &nodes)
            return CertID(
                hashAlgorithm: hashAlgorithm,
                issuerNameHash: Array(nameHash.bytes),
                issuerKeyHash: Array(keyHash.bytes),
                serialNumber: Array(serial)
            )
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(hashAlgorithm)
            try coder.serialize(ASN1OctetString(contentBytes: issuerNameHash[...]))
            try coder.serialize(ASN1OctetString(contentBytes: issuerKeyHash[...]))
            try coder.serialize(serialNumber[...])
        }
    }

    /// The serial number in upper-case hex, as OpenSSL prints it.
    public var serialNumberHex: String { serialNumber.hexString }

    /// Whether this CertID names `certificate` issued by `issuer`.
    ///
    /// Recomputes both hashes with this CertID's own algorithm and compares the algorithm, both hashes
    /// and the serial number (RFC 6960 §4.1.1). An algorithm we cannot compute never matches.
    public func matches(certificate: Certificate, issuer: Certificate) -> Bool {
        serialNumber == Array(certificate.serialNumber.bytes) && names(issuer: issuer)
    }

    /// Whether this CertID's issuer hashes are those of `issuer` (serial number not compared).
    public func names(issuer: Certificate) -> Bool {
        guard let hash = OCSPHashAlgorithm(hashAlgorithm),
            let expected = try? IssuerHashes(issuer: issuer, hash: hash)
        else { return false }
        return issuerNameHash == expected.nameHash && issuerKeyHash == expected.keyHash
    }
}

/// The two issuer hashes of a CertID, computed from the issuer certificate's own bytes.
struct IssuerHashes {
    var nameHash: [UInt8]
    var keyHash: [UInt8]

    init(issuer: Certificate, hash: OCSPHashAlgorithm) throws {
        self.init(fields: try RawCertificateFields(issuer), hash: hash)
    }

    init(fields: RawCertificateFields, hash: OCSPHashAlgorithm) {
        self.nameHash = hash.digest(fields.subject)
        self.keyHash = hash.digest(fields.subjectPublicKey)
    }
}

/// An issuer's encoded name and key, parsed once, with each algorithm's hashes computed at most once:
/// one verification compares them against several CertIDs and a ResponderID.
struct IssuerDigests {
    private let fields: RawCertificateFields?
    private var computed: [OCSPHashAlgorithm: IssuerHashes] = [:]

    init(_ issuer: Certificate) {
        fields = try? RawCertificateFields(issuer)
    }

    mutating func hashes(_ hash: OCSPHashAlgorithm) -> IssuerHashes? {
        if let known = computed[hash] { return known }
        guard let fields else { return nil }
        let hashes = IssuerHashes(fields: fields, hash: hash)
        computed[hash] = hashes
        return hashes
    }

    /// Whether `certID` names this issuer, recomputed with the CertID's own algorithm.
    mutating func named(by certID: CertID) -> Bool {
        guard let hash = OCSPHashAlgorithm(certID.hashAlgorithm), let expected = hashes(hash) else { return false }
        return certID.issuerNameHash == expected.nameHash && certID.issuerKeyHash == expected.keyHash
    }
}

/// Fields of a certificate exactly as encoded in its TBSCertificate (RFC 5280 §4.1), for hashing.
struct RawCertificateFields {
    /// The DER of the subject Name, tag and length included.
    var subject: ArraySlice<UInt8>
    /// The subjectPublicKey BIT STRING value, without tag, length and unused-bits octet.
    var subjectPublicKey: ArraySlice<UInt8>

    init(_ certificate: Certificate) throws {
        let tbs = try DER.parse(certificate.tbsCertificateBytes)
        guard case .constructed(let children) = tbs.content else {
            throw ASN1Error.invalidASN1Object(reason: "TBSCertificate is not constructed")
        }
        // version [0] is optional; then serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo.
        var fields = Array(children)
        if fields.first?.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
            fields.removeFirst()
        }
        guard fields.count >= 6 else { throw ASN1Error.invalidASN1Object(reason: "TBSCertificate too short") }
        self.subject = fields[4].encodedBytes
        self.subjectPublicKey = try DER.sequence(fields[5], identifier: .sequence) { nodes in
            _ = try AlgorithmIdentifier(derEncoded: &nodes)
            return try ASN1BitString(derEncoded: &nodes).bytes
        }
    }
}

extension Certificate {
    /// SHA-1 of the subjectPublicKey bits: the `KeyHash` of RFC 6960 §4.2.1.
    func sha1KeyHash() throws -> [UInt8] {
        OCSPHashAlgorithm.sha1.digest(try RawCertificateFields(self).subjectPublicKey)
    }
}

extension Sequence<UInt8> {
    /// Upper-case hex without separators.
    public var hexString: String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
