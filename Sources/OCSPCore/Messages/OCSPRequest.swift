import SwiftASN1
import X509

/// A request for the status of one or more certificates.
///
/// ```
/// OCSPRequest     ::=     SEQUENCE {                  -- RFC 6960 §4.1.1
///     tbsRequest                  TBSRequest,
///     optionalSignature   [0]     EXPLICIT Signature OPTIONAL }
/// ```
public struct OCSPRequest: DERImplicitlyTaggable, Hashable, Sendable {
    public static var defaultIdentifier: ASN1Identifier { .sequence }

    public var tbsRequest: TBSRequest
    public var optionalSignature: RequestSignature?

    public init(tbsRequest: TBSRequest, optionalSignature: RequestSignature? = nil) {
        self.tbsRequest = tbsRequest
        self.optionalSignature = optionalSignature
    }

    public init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let tbs = try TBSRequest(derEncoded: &nodes)
            let signature = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) {
                try RequestSignature(derEncoded: $0)
            }
            return OCSPRequest(tbsRequest: tbs, optionalSignature: signature)
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(tbsRequest)
            if let optionalSignature {
                try coder.serialize(optionalSignature, explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
            }
        }
    }

    /// The DER encoding of this request.
    public func derBytes() throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(self)
        return serializer.serializedBytes
    }
}

/// The part of a request that a requestor may sign.
///
/// ```
/// TBSRequest      ::=     SEQUENCE {                  -- RFC 6960 §4.1.1
///     version             [0]     EXPLICIT Version DEFAULT v1,
///     requestorName       [1]     EXPLICIT GeneralName OPTIONAL,
///     requestList                 SEQUENCE OF Request,
///     requestExtensions   [2]     EXPLICIT Extensions OPTIONAL }
/// ```
public struct TBSRequest: DERImplicitlyTaggable, Hashable, Sendable {
    public static var defaultIdentifier: ASN1Identifier { .sequence }

    public var version: Int
    public var requestorName: GeneralName?
    public var requestList: [Request]
    public var requestExtensions: [Certificate.Extension]

    public init(
        version: Int = 0, requestorName: GeneralName? = nil, requestList: [Request],
        requestExtensions: [Certificate.Extension] = []
    ) {
        self.version = version
        self.requestorName = requestorName
        self.requestList = requestList
        self.requestExtensions = requestExtensions
    }

    public init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let version = try DER.decodeDefaultExplicitlyTagged(
                &nodes, tagNumber: 0, tagClass: .contextSpecific, defaultValue: 0
            ) {
                try Int(derEncoded: $0)
            }
            let requestorName = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 1, tagClass: .contextSpecific) {
                try GeneralName(derEncoded: $0)
            }
            let list = try DER.sequence(of: Request.self, identifier: .sequence, nodes: &nodes)
            let extensions = try DER.optionalExtensions(&nodes, tagNumber: 2) ?? []
            return TBSRequest(
                version: version, requestorName: requestorName, requestList: list, requestExtensions: extensions)
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            if version != 0 {
                try coder.serialize(version, explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
            }
            if let requestorName {
                try coder.serialize(requestorName, explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific)
            }
            try coder.serializeSequenceOf(requestList)
            try coder.serializeExtensions(requestExtensions, tagNumber: 2)
        }
    }
}

/// One certificate asked about.
///
/// ```
/// Request         ::=     SEQUENCE {                  -- RFC 6960 §4.1.1
///     reqCert                     CertID,
///     singleRequestExtensions     [0] EXPLICIT Extensions OPTIONAL }
/// ```
public struct Request: DERImplicitlyTaggable, Hashable, Sendable {
    public static var defaultIdentifier: ASN1Identifier { .sequence }

    public var reqCert: CertID
    public var singleRequestExtensions: [Certificate.Extension]

    public init(reqCert: CertID, singleRequestExtensions: [Certificate.Extension] = []) {
        self.reqCert = reqCert
        self.singleRequestExtensions = singleRequestExtensions
    }

    public init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let certID = try CertID(derEncoded: &nodes)
            let extensions = try DER.optionalExtensions(&nodes, tagNumber: 0) ?? []
            return Request(reqCert: certID, singleRequestExtensions: extensions)
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(reqCert)
            try coder.serializeExtensions(singleRequestExtensions, tagNumber: 0)
        }
    }
}

/// A requestor's signature over its TBSRequest.
///
/// ```
/// Signature       ::=     SEQUENCE {                  -- RFC 6960 §4.1.1
///     signatureAlgorithm      AlgorithmIdentifier,
///     signature               BIT STRING,
///     certs               [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL}
/// ```
public struct RequestSignature: DERImplicitlyTaggable, Hashable, Sendable {
    public static var defaultIdentifier: ASN1Identifier { .sequence }

    public var signatureAlgorithm: AlgorithmIdentifier
    public var signature: ASN1BitString
    public var certs: [Certificate]

    public init(signatureAlgorithm: AlgorithmIdentifier, signature: ASN1BitString, certs: [Certificate] = []) {
        self.signatureAlgorithm = signatureAlgorithm
        self.signature = signature
        self.certs = certs
    }

    public init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let algorithm = try AlgorithmIdentifier(derEncoded: &nodes)
            let signature = try ASN1BitString(derEncoded: &nodes)
            let certs = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) {
                try DER.sequence(of: Certificate.self, identifier: .sequence, rootNode: $0)
            }
            return RequestSignature(signatureAlgorithm: algorithm, signature: signature, certs: certs ?? [])
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
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
