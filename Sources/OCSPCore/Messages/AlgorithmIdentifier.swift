import SwiftASN1

/// An algorithm and its optional parameters, as used for hashes and signatures.
///
/// ```
/// AlgorithmIdentifier  ::=  SEQUENCE  {              -- RFC 5280 §4.1.1.2
///      algorithm               OBJECT IDENTIFIER,
///      parameters              ANY DEFINED BY algorithm OPTIONAL  }
/// ```
public struct AlgorithmIdentifier: DERImplicitlyTaggable, Hashable, Sendable {
    public static var defaultIdentifier: ASN1Identifier { .sequence }

    public var algorithm: ASN1ObjectIdentifier
    public var parameters: ASN1Any?

    public init(algorithm: ASN1ObjectIdentifier, parameters: ASN1Any? = nil) {
        self.algorithm = algorithm
        self.parameters = parameters
    }

    public init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let algorithm = try ASN1ObjectIdentifier(derEncoded: &nodes)
            let parameters = nodes.next().map { ASN1Any(derEncoded: $0) }
            return AlgorithmIdentifier(algorithm: algorithm, parameters: parameters)
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(algorithm)
            if let parameters { try coder.serialize(parameters) }
        }
    }
}

extension AlgorithmIdentifier {
    /// The ASN.1 NULL that RSA and hash algorithm identifiers carry as parameters.
    static let null: ASN1Any = {
        var serializer = DER.Serializer()
        try! serializer.serialize(ASN1Null())
        // Parsing our own freshly serialized NULL cannot fail.
        return ASN1Any(derEncoded: try! DER.parse(serializer.serializedBytes))
    }()
}

/// Object identifiers used by OCSP (RFC 6960 §4.4, appendix B) and its signatures.
public enum OCSPObjectIdentifier {
    /// id-pkix-ocsp-basic, the only response type RFC 6960 §4.2.1 requires.
    public static let basicResponse: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 1]
    /// id-pkix-ocsp-nonce (RFC 6960 §4.4.1).
    public static let nonce: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 2]
    /// id-pkix-ocsp-crl, CRL references (RFC 6960 §4.4.2).
    public static let crlID: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 3]
    /// id-pkix-ocsp-response, acceptable response types (RFC 6960 §4.4.3).
    public static let acceptableResponses: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 4]
    /// id-pkix-ocsp-archive-cutoff (RFC 6960 §4.4.4).
    public static let archiveCutoff: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 6]
    /// id-pkix-ocsp-service-locator (RFC 6960 §4.4.6).
    public static let serviceLocator: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 7]
    /// id-pkix-ocsp-pref-sig-algs (RFC 6960 §4.4.7).
    public static let preferredSignatureAlgorithms: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 8]
    /// id-pkix-ocsp-extended-revoke (RFC 6960 §4.4.8).
    public static let extendedRevoke: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 9]
    /// id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1).
    public static let noCheck: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 5]
    /// id-ce-cRLReasons, the CRL entry extension that may appear in a SingleResponse (RFC 5280 §5.3.1).
    public static let crlReason: ASN1ObjectIdentifier = [2, 5, 29, 21]
    /// id-pe-tlsfeature, the TLS Feature ("Must-Staple") extension (RFC 7633 §6).
    public static let tlsFeature: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 1, 24]
    /// id-ad-ocsp, the AIA access method naming an OCSP responder (RFC 5280 §4.2.2.1).
    public static let accessMethodOCSP: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1]
    /// id-kp-OCSPSigning (RFC 5280 §4.2.1.12).
    public static let ocspSigning: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 3, 9]

    /// The response and single-response extensions a verifier understands; other critical ones are rejected.
    static let understoodExtensions: Set<ASN1ObjectIdentifier> = [
        nonce, crlID, archiveCutoff, extendedRevoke, crlReason, preferredSignatureAlgorithms,
    ]
}
