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

    @Test("mutations are never trusted", arguments: subjects)
    func mutationsAreNeverTrusted(subject: Subject) throws {
        let original = try Corpora.bytes(subject.folder, subject.response)
        let certificate = try Corpora.certificate(subject.folder, subject.certificate)
        let issuer = try Corpora.certificate(subject.folder, subject.issuer)
        let now = Date(timeIntervalSince1970: subject.time)
        let verifier = OCSPVerifier()
        // The unmutated response is trusted: otherwise this test could not fail.
        let baseline = verifier.verify(response: original, certificate: certificate, issuer: issuer, now: now)
        #expect(ResponseMutations.isTrusted(baseline.verdict))
        let protected = ResponseMutations.signedParts(baseline)
        let regions = ResponseMutations.Regions(original, signer: baseline.signer)

        var rng = SplitMix64(state: 0x5747_4C45 ^ UInt64(original.count))
        var trusted: [String] = []
        var mutations = 0
        var benign = 0
        ResponseMutations.generate(original, rng: &rng) { mutation in
            guard mutation.bytes != original else { return }
            mutations += 1
            let result = verifier.verify(response: mutation.bytes, certificate: certificate, issuer: issuer, now: now)
            // Bytes outside the signature's reach (an embedded certificate that is not the signer) may
            // change without changing what was signed; anything else trusted is a forgery.
            switch ResponseMutations.judge(
                mutation, result: result, protected: protected, regions: regions, signer: baseline.signer)
            {
            case .refused: break
            case .outsideSignature: benign += 1
            case .forged: trusted.append("\(mutation.description) -> \(result.verdict.name)")
            }
        }
        #expect(mutations > 1_500)
        #expect(benign < mutations / 2)
        #expect(trusted.isEmpty, "\(trusted.prefix(5))")
    }
}
