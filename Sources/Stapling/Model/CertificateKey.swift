import Foundation
import OCSPCore
import X509

/// What a staple belongs to: the SHA-256 of the certificate's DER, in hex.
///
/// A renewed certificate has a new key, so a staple for the old one can never be served for it.
public struct CertificateKey: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var hex: String

    public init(hex: String) { self.hex = hex }

    public init(certificate: Certificate) {
        self.init(derBytes: CertificateLoading.derBytes(certificate))
    }

    public init(derBytes: some DataProtocol) {
        hex = OCSPHashAlgorithm.sha256.digest(derBytes).hexString.lowercased()
    }

    public var description: String { hex }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.hex < rhs.hex }
}
