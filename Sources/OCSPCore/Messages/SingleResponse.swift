import Foundation
import SwiftASN1
import X509

/// The responder's statement about one certificate.
///
/// ```
/// SingleResponse ::= SEQUENCE {                       -- RFC 6960 §4.2.1
///    certID                       CertID,
///    certStatus                   CertStatus,
///    thisUpdate                   GeneralizedTime,
///    nextUpdate         [0]       EXPLICIT GeneralizedTime OPTIONAL,
///    singleExtensions   [1]       EXPLICIT Extensions OPTIONAL }
/// ```
public struct SingleResponse: DERImplicitlyTaggable, Hashable, Sendable {
    public static var defaultIdentifier: ASN1Identifier { .sequence }

    public var certID: CertID
    public var certStatus: CertStatus
    public var thisUpdate: GeneralizedTime
    public var nextUpdate: GeneralizedTime?
    public var singleExtensions: [Certificate.Extension]

    public init(
        certID: CertID, certStatus: CertStatus, thisUpdate: GeneralizedTime, nextUpdate: GeneralizedTime?,
        singleExtensions: [Certificate.Extension] = []
    ) {
        self.certID = certID
        self.certStatus = certStatus
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.singleExtensions = singleExtensions
    }

    public init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let certID = try CertID(derEncoded: &nodes)
            let status = try CertStatus(derEncoded: &nodes)
            let thisUpdate = try GeneralizedTime(derEncoded: &nodes)
            let nextUpdate = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) {
                try GeneralizedTime(derEncoded: $0)
            }
            let extensions = try DER.optionalExtensions(&nodes, tagNumber: 1) ?? []
            return SingleResponse(
                certID: certID, certStatus: status, thisUpdate: thisUpdate, nextUpdate: nextUpdate,
                singleExtensions: extensions
            )
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(certID)
            try coder.serialize(certStatus)
            try coder.serialize(thisUpdate)
            if let nextUpdate {
                try coder.serialize(nextUpdate, explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
            }
            try coder.serializeExtensions(singleExtensions, tagNumber: 1)
        }
    }
}
