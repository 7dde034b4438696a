import Crypto
import Foundation
import OCSPCore
import Testing

@testable import Stapling

/// A key is the SHA-256 of the certificate's DER in lower-case hex, whatever its storage.
@Suite struct CertificateKeyTests {
    @Test func hexIsTheLowerCaseSHA256OfTheDER() {
        for bytes in [[UInt8](), [0x30, 0x00], Array(0..<255)] {
            let expected = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            let key = CertificateKey(derBytes: bytes)
            #expect(key.hex == expected)
            #expect(key.description == expected)
            #expect(CertificateKey(hex: expected) == key)
            #expect(CertificateKey(hex: expected).hashValue == key.hashValue)
        }
    }

    /// Other text (upper case, short, not hex) is kept as given and equals only the same text.
    @Test func otherTextIsKeptAsItIs() {
        let lower = CertificateKey(derBytes: [1, 2, 3]).hex
        for text in [lower.uppercased(), "abc", "", String(repeating: "g", count: 64)] {
            let key = CertificateKey(hex: text)
            #expect(key.hex == text)
            #expect(key == CertificateKey(hex: text))
        }
        #expect(CertificateKey(hex: lower.uppercased()) != CertificateKey(hex: lower))
        var key = CertificateKey(hex: "abc")
        key.hex = lower
        #expect(key == CertificateKey(derBytes: [1, 2, 3]))
    }

    /// Keys sort as their hex does.
    @Test func ordersAsTheHex() {
        let keys = (0..<200).map { CertificateKey(derBytes: [UInt8($0)]) } + [CertificateKey(hex: "zz")]
        #expect(keys.sorted().map(\.hex) == keys.map(\.hex).sorted())
    }
}
