import SwiftASN1
import X509

/// Helpers over X.509 extensions as they appear in OCSP messages.
///
/// ```
/// Extensions  ::=  SEQUENCE SIZE (1..MAX) OF Extension   -- RFC 5280 §4.1
/// ```
/// Extensions are kept as `Certificate.Extension` values, so unknown ones survive decoding with
/// their criticality and bytes.
extension Array where Element == Certificate.Extension {
    /// The extension with this identifier, if present.
    public func first(_ oid: ASN1ObjectIdentifier) -> Certificate.Extension? {
        first { $0.oid == oid }
    }

    /// The nonce carried by an id-pkix-ocsp-nonce extension: the content of its OCTET STRING
    /// (RFC 8954 §2.1); a value that is not an OCTET STRING is returned as is (some old responders).
    public var nonce: [UInt8]? {
        guard let ext = first(OCSPObjectIdentifier.nonce) else { return nil }
        if let octets = try? ASN1OctetString(derEncoded: [UInt8](ext.value)) { return [UInt8](octets.bytes) }
        return [UInt8](ext.value)
    }

    /// The nonce extension for a request: an OCTET STRING wrapping `nonce` (RFC 8954 §2.1).
    static func nonceExtension(_ nonce: [UInt8]) throws -> Certificate.Extension {
        var serializer = DER.Serializer()
        try serializer.serialize(ASN1OctetString(contentBytes: nonce[...]))
        return Certificate.Extension(
            oid: OCSPObjectIdentifier.nonce, critical: false, value: serializer.serializedBytes[...])
    }
}

extension DER {
    /// Decodes an `[n] EXPLICIT Extensions OPTIONAL` field.
    static func optionalExtensions(
        _ nodes: inout ASN1NodeCollection.Iterator, tagNumber: UInt
    ) throws -> [Certificate.Extension]? {
        try DER.optionalExplicitlyTagged(&nodes, tagNumber: tagNumber, tagClass: .contextSpecific) { node in
            try DER.sequence(of: Certificate.Extension.self, identifier: .sequence, rootNode: node)
        }
    }
}

extension DER.Serializer {
    /// Encodes an `[n] EXPLICIT Extensions OPTIONAL` field; an empty list is omitted (SIZE (1..MAX)).
    mutating func serializeExtensions(_ extensions: [Certificate.Extension], tagNumber: UInt) throws {
        guard !extensions.isEmpty else { return }
        try serialize(explicitlyTaggedWithTagNumber: tagNumber, tagClass: .contextSpecific) { coder in
            try coder.serializeSequenceOf(extensions)
        }
    }
}
