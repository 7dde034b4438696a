import SwiftASN1
import X509

/// The signed part of a basic response.
///
/// ```
/// ResponseData ::= SEQUENCE {                         -- RFC 6960 §4.2.1
///    version              [0] EXPLICIT Version DEFAULT v1,
///    responderID              ResponderID,
///    producedAt               GeneralizedTime,
///    responses                SEQUENCE OF SingleResponse,
///    responseExtensions   [1] EXPLICIT Extensions OPTIONAL }
/// ```
public struct ResponseData: DERImplicitlyTaggable, Hashable, Sendable {
    public static var defaultIdentifier: ASN1Identifier { .sequence }

    /// 0 means v1, the only version defined.
    public var version: Int
    public var responderID: ResponderID
    public var producedAt: GeneralizedTime
    public var responses: [SingleResponse]
    public var responseExtensions: [Certificate.Extension]

    public init(
        version: Int = 0, responderID: ResponderID, producedAt: GeneralizedTime, responses: [SingleResponse],
        responseExtensions: [Certificate.Extension] = []
    ) {
        self.version = version
        self.responderID = responderID
        self.producedAt = producedAt
        self.responses = responses
        self.responseExtensions = responseExtensions
    }

    public init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let version = try DER.decodeDefaultExplicitlyTagged(
                &nodes, tagNumber: 0, tagClass: .contextSpecific, defaultValue: 0
            ) {
                try Int(derEncoded: $0)
            }
            let responderID = try ResponderID(derEncoded: &nodes)
            let producedAt = try GeneralizedTime(derEncoded: &nodes)
            let responses = try DER.sequence(of: SingleResponse.self, identifier: .sequence, nodes: &nodes)
            let extensions = try DER.optionalExtensions(&nodes, tagNumber: 1) ?? []
            return ResponseData(
                version: version, responderID: responderID, producedAt: producedAt, responses: responses,
                responseExtensions: extensions
            )
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            if version != 0 {
                try coder.serialize(version, explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
            }
            try coder.serialize(responderID)
            try coder.serialize(producedAt)
            try coder.serializeSequenceOf(responses)
            try coder.serializeExtensions(responseExtensions, tagNumber: 1)
        }
    }
}
