import Foundation
import SwiftASN1

/// What a responder says about one certificate.
///
/// ```
/// CertStatus ::= CHOICE {                             -- RFC 6960 §4.2.1
///     good        [0]     IMPLICIT NULL,
///     revoked     [1]     IMPLICIT RevokedInfo,
///     unknown     [2]     IMPLICIT UnknownInfo }
///
/// RevokedInfo ::= SEQUENCE {
///     revocationTime              GeneralizedTime,
///     revocationReason    [0]     EXPLICIT CRLReason OPTIONAL }
/// ```
public enum CertStatus: DERParseable, DERSerializable, Hashable, Sendable {
    case good
    case revoked(time: GeneralizedTime, reason: CRLReason?)
    case unknown

    static let goodTag = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
    static let revokedTag = ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific)
    static let unknownTag = ASN1Identifier(tagWithNumber: 2, tagClass: .contextSpecific)

    public init(derEncoded node: ASN1Node) throws {
        switch node.identifier {
        case Self.goodTag:
            _ = try ASN1Null(derEncoded: node, withIdentifier: Self.goodTag)
            self = .good
        case Self.revokedTag:
            self = try DER.sequence(node, identifier: Self.revokedTag) { nodes in
                let time = try GeneralizedTime(derEncoded: &nodes)
                let reason = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) {
                    try CRLReason(derEncoded: $0)
                }
                return .revoked(time: time, reason: reason)
            }
        case Self.unknownTag:
            _ = try ASN1Null(derEncoded: node, withIdentifier: Self.unknownTag)
            self = .unknown
        default:
            throw ASN1Error.unexpectedFieldType(node.identifier)
        }
    }

    public func serialize(into coder: inout DER.Serializer) throws {
        switch self {
        case .good:
            ASN1Null().serialize(into: &coder, withIdentifier: Self.goodTag)
        case .revoked(let time, let reason):
            try coder.appendConstructedNode(identifier: Self.revokedTag) { coder in
                try coder.serialize(time)
                if let reason {
                    try coder.serialize(reason, explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
                }
            }
        case .unknown:
            ASN1Null().serialize(into: &coder, withIdentifier: Self.unknownTag)
        }
    }

    /// `good`, `revoked` or `unknown`, as OpenSSL prints it.
    public var name: String {
        switch self {
        case .good: "good"
        case .revoked: "revoked"
        case .unknown: "unknown"
        }
    }
}

/// Why a certificate was revoked; an open enumeration.
///
/// ```
/// CRLReason ::= ENUMERATED {                          -- RFC 5280 §5.3.1
///      unspecified (0), keyCompromise (1), cACompromise (2), affiliationChanged (3),
///      superseded (4), cessationOfOperation (5), certificateHold (6),
///      -- value 7 is not used
///      removeFromCRL (8), privilegeWithdrawn (9), aACompromise (10) }
/// ```
public struct CRLReason: DERImplicitlyTaggable, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public static var defaultIdentifier: ASN1Identifier { .enumerated }

    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let unspecified = CRLReason(rawValue: 0)
    public static let keyCompromise = CRLReason(rawValue: 1)
    public static let caCompromise = CRLReason(rawValue: 2)
    public static let affiliationChanged = CRLReason(rawValue: 3)
    public static let superseded = CRLReason(rawValue: 4)
    public static let cessationOfOperation = CRLReason(rawValue: 5)
    public static let certificateHold = CRLReason(rawValue: 6)
    public static let removeFromCRL = CRLReason(rawValue: 8)
    public static let privilegeWithdrawn = CRLReason(rawValue: 9)
    public static let aaCompromise = CRLReason(rawValue: 10)

    private static let names = [
        "unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
        "cessationOfOperation", "certificateHold", nil, "removeFromCRL", "privilegeWithdrawn", "aACompromise",
    ]

    public init?(name: String) {
        guard let index = Self.names.firstIndex(where: { $0?.lowercased() == name.lowercased() }) else { return nil }
        self.rawValue = index
    }

    public var description: String {
        rawValue >= 0 && rawValue < Self.names.count
            ? (Self.names[rawValue] ?? "reason(\(rawValue))") : "reason(\(rawValue))"
    }

    public init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        // ENUMERATED shares INTEGER's encoding under its own tag.
        self.rawValue = try Int(derEncoded: rootNode, withIdentifier: identifier)
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try rawValue.serialize(into: &coder, withIdentifier: identifier)
    }
}
