import SwiftASN1
import X509

/// Who signed a response: the responder's name or the SHA-1 hash of its public key.
///
/// ```
/// ResponderID ::= CHOICE {                            -- RFC 6960 §4.2.1
///    byName               [1] Name,
///    byKey                [2] KeyHash }
///
/// KeyHash ::= OCTET STRING -- SHA-1 hash of responder's public key
///                          -- (excluding the tag and length fields)
/// ```
public enum ResponderID: DERParseable, DERSerializable, Hashable, Sendable {
    case byName(DistinguishedName)
    case byKey([UInt8])

    static let byNameTag = ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific)
    static let byKeyTag = ASN1Identifier(tagWithNumber: 2, tagClass: .contextSpecific)

    public init(derEncoded node: ASN1Node) throws {
        switch node.identifier {
        case Self.byNameTag:
            self = try DER.explicitlyTagged(node, tagNumber: 1, tagClass: .contextSpecific) {
                .byName(try DistinguishedName(derEncoded: $0))
            }
        case Self.byKeyTag:
            self = try DER.explicitlyTagged(node, tagNumber: 2, tagClass: .contextSpecific) {
                .byKey(Array(try ASN1OctetString(derEncoded: $0).bytes))
            }
        default:
            throw ASN1Error.unexpectedFieldType(node.identifier)
        }
    }

    public func serialize(into coder: inout DER.Serializer) throws {
        switch self {
        case .byName(let name):
            try coder.serialize(name, explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific)
        case .byKey(let hash):
            try coder.serialize(
                ASN1OctetString(contentBytes: hash[...]), explicitlyTaggedWithTagNumber: 2, tagClass: .contextSpecific)
        }
    }

    /// The ResponderID a certificate's holder would use: by key hash (`byKey`) or by subject.
    public init(certificate: Certificate, byKey: Bool) throws {
        self = byKey ? .byKey(try certificate.sha1KeyHash()) : .byName(certificate.subject)
    }

    /// Whether `certificate` is the one this ResponderID names (RFC 6960 §4.2.2.3).
    public func identifies(_ certificate: Certificate) -> Bool {
        switch self {
        case .byName(let name): return certificate.subject == name
        case .byKey(let hash): return (try? certificate.sha1KeyHash()) == hash
        }
    }
}
