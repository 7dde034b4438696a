import Foundation
import X509

/// Builds OCSP requests (RFC 6960 §4.1).
public enum OCSPRequestBuilder {
    /// A request for the given certificates, with an optional nonce extension (RFC 8954).
    public static func request(for certIDs: [CertID], nonce: [UInt8]? = nil) throws -> OCSPRequest {
        let extensions = try nonce.map { [try [Certificate.Extension].nonceExtension($0)] } ?? []
        return OCSPRequest(
            tbsRequest: TBSRequest(requestList: certIDs.map { Request(reqCert: $0) }, requestExtensions: extensions))
    }

    /// A request for `certificate` issued by `issuer`, its CertID computed with `hash`.
    public static func request(
        certificate: Certificate, issuer: Certificate, hash: OCSPHashAlgorithm = .sha1, nonce: [UInt8]? = nil
    ) throws -> OCSPRequest {
        try request(for: [CertID(certificate: certificate, issuer: issuer, hash: hash)], nonce: nonce)
    }

    /// A fresh random nonce of `count` bytes (RFC 8954 §2.1 asks for 1 to 32; 16 is what OpenSSL sends).
    public static func randomNonce(count: Int = 16) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
