import Foundation
import OCSPCore
import X509

/// What a staple belongs to: the SHA-256 of the certificate's DER, in hex.
///
/// A renewed certificate has a new key, so a staple for the old one can never be served for it.
package struct CertificateKey: Hashable, Sendable, CustomStringConvertible, Comparable {
    package var hex: String

    package init(hex: String) { self.hex = hex }

    package init(certificate: Certificate) {
        self.init(derBytes: CertificateLoading.derBytes(certificate))
    }

    package init(derBytes: some DataProtocol) {
        hex = OCSPHashAlgorithm.sha256.digest(derBytes).hexString.lowercased()
    }

    package var description: String { hex }
    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.hex < rhs.hex }
}
