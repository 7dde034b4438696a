import Foundation
import SwiftASN1
import X509

/// What a certificate says about its OCSP responder and stapling.
extension Certificate {
    /// The OCSP responder URLs of the Authority Information Access extension, in order (RFC 5280 §4.2.2.1).
    ///
    /// Empty when there is none: Let's Encrypt certificates issued since May 2025 carry no OCSP URL.
    public var ocspURLs: [String] {
        guard let aia = try? extensions.authorityInformationAccess else { return [] }
        return aia.compactMap { description -> String? in
            guard description.method == .ocspServer, case .uniformResourceIdentifier(let uri) = description.location
            else {
                return nil
            }
            return uri
        }
    }

    /// Whether the TLS Feature extension (RFC 7633, OID 1.3.6.1.5.5.7.1.24) lists status_request (5):
    /// "OCSP Must-Staple". Clients that honour it refuse the certificate without a staple.
    public var isMustStaple: Bool {
        guard let ext = extensions.first(where: { $0.oid == OCSPObjectIdentifier.tlsFeature }),
            let root = try? DER.parse(ext.value),
            let features = try? DER.sequence(of: Int.self, identifier: .sequence, rootNode: root)
        else { return false }
        // TLS extension type 5 is status_request (RFC 6066 §8).
        return features.contains(5)
    }

    /// Whether `candidate` issued this certificate: names chain and its key verifies the signature.
    public func isIssued(by candidate: Certificate) -> Bool {
        issuer == candidate.subject && candidate.publicKey.isValidSignature(signature, for: self)
    }

    /// Whether the certificate is self-issued and self-signed (a root).
    public var isSelfSigned: Bool { isIssued(by: self) }
}

/// Finding a certificate's issuer among candidates (a chain file, a trust bundle).
public enum IssuerLookup {
    /// The first candidate that issued `certificate` (names chain and signature verifies), skipping
    /// the certificate itself unless it is self-signed.
    public static func issuer(of certificate: Certificate, in candidates: [Certificate]) -> Certificate? {
        candidates.first { $0 != certificate && certificate.isIssued(by: $0) }
            ?? (certificate.isSelfSigned ? certificate : nil)
    }

    /// The leaf and its issuer from a chain file: the first certificate is the leaf; its issuer is
    /// looked for in the rest of the chain, then in `extra` (an `--issuer` file or a bundle).
    public static func leafAndIssuer(
        chain: [Certificate], extra: [Certificate] = []
    ) -> (leaf: Certificate, issuer: Certificate?)? {
        guard let leaf = chain.first else { return nil }
        let candidates = Array(chain.dropFirst()) + extra
        return (leaf, candidates.first { $0 != leaf && leaf.isIssued(by: $0) })
    }
}
