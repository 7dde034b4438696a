import Crypto
import Foundation
import SwiftASN1

/// A hash algorithm usable in a CertID (RFC 6960 §4.1.1: `hashAlgorithm AlgorithmIdentifier`).
public struct OCSPHashAlgorithm: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let oid: ASN1ObjectIdentifier

    public static let sha1 = OCSPHashAlgorithm(name: "sha1", oid: [1, 3, 14, 3, 2, 26])
    public static let sha256 = OCSPHashAlgorithm(name: "sha256", oid: [2, 16, 840, 1, 101, 3, 4, 2, 1])
    public static let sha384 = OCSPHashAlgorithm(name: "sha384", oid: [2, 16, 840, 1, 101, 3, 4, 2, 2])
    public static let sha512 = OCSPHashAlgorithm(name: "sha512", oid: [2, 16, 840, 1, 101, 3, 4, 2, 3])

    public static let all: [OCSPHashAlgorithm] = [.sha1, .sha256, .sha384, .sha512]

    /// The algorithm named by an identifier, or nil when it is not one we can compute.
    /// The hash an AlgorithmIdentifier names, or nil when it names another algorithm, or carries
    /// parameters other than absent or NULL (RFC 5754 §2: the SHA-2 parameters are absent or NULL; a
    /// CertID with any other parameters is not the CertID a responder or server computes).
    public init?(_ identifier: AlgorithmIdentifier) {
        if let parameters = identifier.parameters, (try? ASN1Null(asn1Any: parameters)) == nil { return nil }
        guard let known = Self.all.first(where: { $0.oid == identifier.algorithm }) else { return nil }
        self = known
    }

    /// The algorithm with this name (`sha1`, `sha256`, `sha384`, `sha512`), or nil.
    public init?(name: String) {
        guard let known = Self.all.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = known
    }

    private init(name: String, oid: ASN1ObjectIdentifier) {
        self.name = name
        self.oid = oid
    }

    /// The identifier as written in requests: with NULL parameters, as OpenSSL and most responders do.
    public var identifier: AlgorithmIdentifier {
        AlgorithmIdentifier(algorithm: oid, parameters: AlgorithmIdentifier.null)
    }

    public var description: String { name }

    /// Hashes `bytes` with this algorithm.
    public func digest(_ bytes: some DataProtocol) -> [UInt8] {
        switch name {
        case "sha1": return Array(Insecure.SHA1.hash(data: bytes))
        case "sha256": return Array(SHA256.hash(data: bytes))
        case "sha384": return Array(SHA384.hash(data: bytes))
        default: return Array(SHA512.hash(data: bytes))
        }
    }
}
