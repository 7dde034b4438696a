import SwiftASN1
import X509

/// A signed response: the response data, its signature and optionally certificates to check it.
///
/// ```
/// BasicOCSPResponse       ::= SEQUENCE {              -- RFC 6960 §4.2.1
///    tbsResponseData      ResponseData,
///    signatureAlgorithm   AlgorithmIdentifier,
///    signature            BIT STRING,
///    certs            [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
/// ```
///
/// - Important: `tbsResponseDataBytes` are the bytes as received; the signature is checked over them,
///   never over a re-encoding of `tbsResponseData`.
public struct BasicOCSPResponse: DERImplicitlyTaggable, Hashable, Sendable {
    public static var defaultIdentifier: ASN1Identifier { .sequence }

    public var tbsResponseData: ResponseData
    public var tbsResponseDataBytes: ArraySlice<UInt8>
    public var signatureAlgorithm: AlgorithmIdentifier
    public var signature: ASN1BitString
    public var certs: [Certificate]

    public init(
        tbsResponseData: ResponseData, tbsResponseDataBytes: ArraySlice<UInt8>, signatureAlgorithm: AlgorithmIdentifier,
        signature: ASN1BitString, certs: [Certificate]
    ) {
        self.tbsResponseData = tbsResponseData
        self.tbsResponseDataBytes = tbsResponseDataBytes
        self.signatureAlgorithm = signatureAlgorithm
        self.signature = signature
        self.certs = certs
    }

    public init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            guard let tbsNode = nodes.next() else {
                throw ASN1Error.invalidASN1Object(reason: "BasicOCSPResponse has no tbsResponseData")
            }
            let tbs = try ResponseData(derEncoded: tbsNode)
            let algorithm = try AlgorithmIdentifier(derEncoded: &nodes)
            let signature = try ASN1BitString(derEncoded: &nodes)
            let certs = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) {
                try DER.sequence(of: Certificate.self, identifier: .sequence, rootNode: $0)
            }
            return BasicOCSPResponse(
                tbsResponseData: tbs, tbsResponseDataBytes: tbsNode.encodedBytes, signatureAlgorithm: algorithm,
                signature: signature, certs: certs ?? []
            )
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            coder.serializeRawBytes(tbsResponseDataBytes)
            try coder.serialize(signatureAlgorithm)
            try coder.serialize(signature)
            if !certs.isEmpty {
                try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { coder in
                    try coder.serializeSequenceOf(certs)
                }
            }
        }
    }
}
