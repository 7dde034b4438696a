import Foundation
import OCSPCore
import X509

/// What a staple belongs to: the SHA-256 of the certificate's DER, in hex.
///
/// A renewed certificate has a new key, so a staple for the old one can never be served for it.
///
/// Held as the 32 digest bytes (no string per key: the engine holds one for each of its
/// certificates, and a TLS status callback makes one per handshake); ``hex`` is written on demand.
/// A key made from text that is not 64 lower-case hex digits keeps that text as it is, and equals
/// only a key made from the same text, as when keys were strings.
package struct CertificateKey: Hashable, Sendable, CustomStringConvertible, Comparable {
    private enum Storage: Hashable, Sendable {
        /// The digest, big-endian, in four words.
        case digest(UInt64, UInt64, UInt64, UInt64)
        case text(String)
    }

    private var storage: Storage

    /// The key in lower-case hex (64 digits for a SHA-256).
    package var hex: String {
        get {
            switch storage {
            case .text(let text): return text
            case .digest(let a, let b, let c, let d):
                let digits = Array("0123456789abcdef".utf8)
                var out = [UInt8]()
                out.reserveCapacity(64)
                for word in [a, b, c, d] {
                    for shift in stride(from: 60, through: 0, by: -4) {
                        out.append(digits[Int((word >> UInt64(shift)) & 0xF)])
                    }
                }
                return String(decoding: out, as: UTF8.self)
            }
        }
        set { self = CertificateKey(hex: newValue) }
    }

    package init(hex: String) {
        storage = Self.digest(hex: hex).map { .digest($0.0, $0.1, $0.2, $0.3) } ?? .text(hex)
    }

    package init(certificate: Certificate) {
        self.init(derBytes: CertificateLoading.derBytes(certificate))
    }

    package init(derBytes: some DataProtocol) {
        let digest = Array(OCSPHashAlgorithm.sha256.digest(derBytes))
        func word(_ index: Int) -> UInt64 {
            digest[index * 8..<index * 8 + 8].reduce(0) { $0 << 8 | UInt64($1) }
        }
        storage = .digest(word(0), word(1), word(2), word(3))
    }

    /// The four words of 64 lower-case hex digits, or nil for any other text.
    private static func digest(hex: String) -> (UInt64, UInt64, UInt64, UInt64)? {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var words: [UInt64] = []
        for start in stride(from: 0, to: 64, by: 16) {
            var word: UInt64 = 0
            for byte in utf8[start..<start + 16] {
                let value: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
                default: return nil
                }
                word = word << 4 | UInt64(value)
            }
            words.append(word)
        }
        return (words[0], words[1], words[2], words[3])
    }

    package var description: String { hex }

    package static func < (lhs: Self, rhs: Self) -> Bool {
        if case .digest(let a0, let b0, let c0, let d0) = lhs.storage,
            case .digest(let a1, let b1, let c1, let d1) = rhs.storage
        {
            // Big-endian words compare as their hex does.
            return (a0, b0, c0, d0) < (a1, b1, c1, d1)
        }
        return lhs.hex < rhs.hex
    }
}
