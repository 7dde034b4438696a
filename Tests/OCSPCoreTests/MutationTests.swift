import Foundation
import OCSPCore
import StapleTestSupport
import Testing
import X509

/// Thousands of byte flips, truncations and extensions of valid responses: none may be trusted, none may crash.
@Suite("Mutations of valid responses")
struct MutationTests {
    struct Subject: Sendable, CustomTestStringConvertible {
        var folder: String, response: String, certificate: String, issuer: String, time: TimeInterval
        var testDescription: String { "\(folder)/\(response)" }
    }

    /// Valid responses in which every byte is covered by a signature or by DER structure.
    static let subjects = [
        Subject(
            folder: "aws-lc", response: "ocsp_response.der", certificate: "rsa_cert.pem", issuer: "ca_cert.pem",
            time: 1_735_689_600),
        Subject(
            folder: "aws-lc", response: "ocsp_response_ca_signed.der", certificate: "rsa_cert.pem",
            issuer: "ca_cert.pem", time: 1_735_689_600),
        Subject(
            folder: "s2n-tls", response: "ocsp_response_revoked.der", certificate: "server_cert.pem",
            issuer: "ca_cert.pem", time: 1_735_689_600),
        Subject(
            folder: "openssl-ocsp", response: "ND1.ors", certificate: "ND1_Cert_EE.pem", issuer: "ND1_Issuer_ICA.pem",
            time: 1_349_948_473),
        Subject(
            folder: "openssl-ocsp", response: "D1.ors", certificate: "D1_Cert_EE.pem", issuer: "D1_Issuer_ICA.pem",
            time: 1_350_979_200),
    ]

    /// What a signature protects: the signed bytes, the algorithm, the signature and the signer's certificate.
    static func signedParts(_ result: OCSPVerification) -> [[UInt8]]? {
        guard let basic = result.response, let signer = result.signer else { return nil }
        return [
            Array(basic.tbsResponseDataBytes), Array(basic.signature.bytes), Array("\(basic.signatureAlgorithm)".utf8),
            CertificateLoading.derBytes(signer),
        ]
    }

    static func isTrusted(_ verdict: OCSPVerdict) -> Bool {
        switch verdict {
        case .good, .revoked, .unknown: true
        case .noStatus, .rejected, .responderError: false
        }
    }

    @Test("mutations are never trusted", arguments: subjects)
    func mutationsAreNeverTrusted(subject: Subject) throws {
        let original = try Corpora.bytes(subject.folder, subject.response)
        let certificate = try Corpora.certificate(subject.folder, subject.certificate)
        let issuer = try Corpora.certificate(subject.folder, subject.issuer)
        let now = Date(timeIntervalSince1970: subject.time)
        let verifier = OCSPVerifier()
        // The unmutated response is trusted: otherwise this test could not fail.
        let baseline = verifier.verify(response: original, certificate: certificate, issuer: issuer, now: now)
        #expect(Self.isTrusted(baseline.verdict))
        let protected = Self.signedParts(baseline)

        var rng = SplitMix64(state: 0x5747_4C45 ^ UInt64(original.count))
        var trusted: [String] = []
        var mutations = 0
        var benign = 0
        func check(_ mutated: [UInt8], _ what: @autoclosure () -> String) {
            guard mutated != original else { return }
            mutations += 1
            let result = verifier.verify(response: mutated, certificate: certificate, issuer: issuer, now: now)
            guard Self.isTrusted(result.verdict) else { return }
            // Bytes outside the signature's reach (an embedded certificate that is not the signer) may
            // change without changing what was signed; anything else trusted is a forgery.
            if Self.signedParts(result) == protected {
                benign += 1
            } else {
                trusted.append("\(what()) -> \(result.verdict.name)")
            }
        }
        for _ in 0..<1_000 {
            var flipped = original
            let index = Int.random(in: 0..<original.count, using: &rng)
            flipped[index] ^= UInt8.random(in: 1...255, using: &rng)
            check(flipped, "byte \(index) flipped")
        }
        for length in stride(from: 0, to: original.count, by: max(1, original.count / 300)) {
            check(Array(original.prefix(length)), "truncated to \(length)")
        }
        for _ in 0..<300 {
            let extra = (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            check(original + extra, "\(extra.count) bytes appended")
            var inserted = original
            let index = Int.random(in: 0...original.count, using: &rng)
            inserted.insert(contentsOf: extra, at: index)
            check(inserted, "\(extra.count) bytes inserted at \(index)")
        }
        #expect(mutations > 1_500)
        #expect(benign < mutations / 2)
        #expect(trusted.isEmpty, "\(trusted.prefix(5))")
    }
}
