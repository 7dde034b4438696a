import Foundation
import SwiftASN1

/// A complete OCSP response: a status, and for a successful one the typed response bytes.
///
/// ```
/// OCSPResponse ::= SEQUENCE {                         -- RFC 6960 §4.2.1
///    responseStatus         OCSPResponseStatus,
///    responseBytes          [0] EXPLICIT ResponseBytes OPTIONAL }
/// ```
///
/// Only a successful response carries a body: the two states are the two cases.
public enum OCSPResponse: DERImplicitlyTaggable, Hashable, Sendable {
    case successful(ResponseBytes)
    case unsuccessful(OCSPResponseStatus)

    public static var defaultIdentifier: ASN1Identifier { .sequence }

    /// The decoded response in `bytes`, which must be exactly one DER object of at most `maximumSize` bytes.
    public init(
        derBytes bytes: some Collection<UInt8>, maximumSize: Int = OCSPVerifier.defaultMaximumResponseSize
    ) throws {
        guard bytes.count <= maximumSize else {
            throw ASN1Error.invalidASN1Object(
                reason: "response is \(bytes.count) bytes, over the \(maximumSize)-byte cap")
        }
        self = try OCSPResponse(derEncoded: Array(bytes))
    }

    public init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let status = try OCSPResponseStatus(derEncoded: &nodes)
            let body = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) {
                try ResponseBytes(derEncoded: $0)
            }
            switch (status, body) {
            case (.successful, let body?): return .successful(body)
            case (.successful, nil):
                throw ASN1Error.invalidASN1Object(reason: "successful OCSPResponse without responseBytes")
            case (_, nil): return .unsuccessful(status)
            case (_, .some):
                throw ASN1Error.invalidASN1Object(reason: "unsuccessful OCSPResponse (\(status)) with responseBytes")
            }
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            switch self {
            case .successful(let body):
                try coder.serialize(OCSPResponseStatus.successful)
                try coder.serialize(body, explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
            case .unsuccessful(let status):
                try coder.serialize(status)
            }
        }
    }

    public var status: OCSPResponseStatus {
        switch self {
        case .successful: .successful
        case .unsuccessful(let status): status
        }
    }
}

/// The outcome of processing a request; an open enumeration.
///
/// ```
/// OCSPResponseStatus ::= ENUMERATED {                 -- RFC 6960 §4.2.1
///     successful            (0),  -- Response has valid confirmations
///     malformedRequest      (1),  -- Illegal confirmation request
///     internalError         (2),  -- Internal error in issuer
///     tryLater              (3),  -- Try again later
///                                 -- (4) is not used
///     sigRequired           (5),  -- Must sign the request
///     unauthorized          (6)   -- Request unauthorized }
/// ```
public struct OCSPResponseStatus: DERImplicitlyTaggable, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public static var defaultIdentifier: ASN1Identifier { .enumerated }

    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let successful = OCSPResponseStatus(rawValue: 0)
    public static let malformedRequest = OCSPResponseStatus(rawValue: 1)
    public static let internalError = OCSPResponseStatus(rawValue: 2)
    public static let tryLater = OCSPResponseStatus(rawValue: 3)
    public static let sigRequired = OCSPResponseStatus(rawValue: 5)
    public static let unauthorized = OCSPResponseStatus(rawValue: 6)

    private static let names = [
        "successful", "malformedRequest", "internalError", "tryLater", nil, "sigRequired", "unauthorized",
    ]

    public var description: String {
        rawValue >= 0 && rawValue < Self.names.count
            ? (Self.names[rawValue] ?? "status(\(rawValue))") : "status(\(rawValue))"
    }

    public init?(name: String) {
        guard let index = Self.names.firstIndex(where: { $0 == name }) else { return nil }
        self.rawValue = index
    }

    public init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self.rawValue = try Int(derEncoded: rootNode, withIdentifier: identifier)
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try rawValue.serialize(into: &coder, withIdentifier: identifier)
    }
}

/// The typed body of a successful response.
///
/// ```
/// ResponseBytes ::=       SEQUENCE {                  -- RFC 6960 §4.2.1
///     responseType   OBJECT IDENTIFIER,
///     response       OCTET STRING }
/// ```
public struct ResponseBytes: DERImplicitlyTaggable, Hashable, Sendable {
    public static var defaultIdentifier: ASN1Identifier { .sequence }

    public var responseType: ASN1ObjectIdentifier
    public var response: ArraySlice<UInt8>

    public init(responseType: ASN1ObjectIdentifier, response: ArraySlice<UInt8>) {
        self.responseType = responseType
        self.response = response
    }

    public init(basic: BasicOCSPResponse) throws {
        var serializer = DER.Serializer()
        try serializer.serialize(basic)
        self.init(responseType: OCSPObjectIdentifier.basicResponse, response: serializer.serializedBytes[...])
    }

    public init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let type = try ASN1ObjectIdentifier(derEncoded: &nodes)
            let response = try ASN1OctetString(derEncoded: &nodes)
            return ResponseBytes(responseType: type, response: response.bytes)
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(responseType)
            try coder.serialize(ASN1OctetString(contentBytes: response))
        }
    }

    /// The BasicOCSPResponse inside, when `responseType` is id-pkix-ocsp-basic.
    public func basicResponse() throws -> BasicOCSPResponse {
        guard responseType == OCSPObjectIdentifier.basicResponse else {
            throw ASN1Error.invalidASN1Object(reason: "response type \(responseType) is not id-pkix-ocsp-basic")
        }
        return try BasicOCSPResponse(derEncoded: response)
    }
}
