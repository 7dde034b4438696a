import Foundation
import OCSPCore
import StapleTestSupport
import SwiftASN1
import Testing
import X509

/// A prepared issuer (``OCSPIssuer``) changes nothing but the work done: the same verdict and the
/// same checks with the same details as verifying from the issuer certificate, and one CA's
/// prepared issuer never vouches for another CA's responses.
@Suite("Prepared issuer")
struct OCSPIssuerTests {
    /// Every corpus case of MutationTests, verified both ways: identical results, check by check.
    @Test("same verdict and checks as from the certificate", arguments: MutationTests.subjects)
    func sameResultAsFromTheCertificate(subject: MutationTests.Subject) throws {
        let response = try Corpora.bytes(subject.folder, subject.response)
        let certificate = try Corpora.certificate(subject.folder, subject.certificate)
        let issuer = try Corpora.certificate(subject.folder, subject.issuer)
        let now = Date(timeIntervalSince1970: subject.time)
        let verifier = OCSPVerifier()
        let prepared = OCSPIssuer(issuer)
        let fromCertificate = verifier.verify(response: response, certificate: certificate, issuer: issuer, now: now)
        // The prepared issuer is reused, as the engine does, across several verifications.
        for _ in 0..<3 {
            let fromPrepared = verifier.verify(response: response, certificate: certificate, issuer: prepared, now: now)
            #expect(fromPrepared.verdict == fromCertificate.verdict)
            #expect(fromPrepared.checks == fromCertificate.checks)
            #expect(fromPrepared.checks.map(\.detail) == fromCertificate.checks.map(\.detail))
        }
        // Also long before the response was made: a failing check is reported the same way.
        let late = Date(timeIntervalSince1970: 0)
        let lateCertificate = verifier.verify(response: response, certificate: certificate, issuer: issuer, now: late)
        let latePrepared = verifier.verify(response: response, certificate: certificate, issuer: prepared, now: late)
        #expect(lateCertificate.verdict == latePrepared.verdict)
        #expect(lateCertificate.checks == latePrepared.checks)
        #expect(lateCertificate.checks.last?.outcome == .failed)
    }

    /// Two CAs with the same name (so byName and the name hash agree) but different keys: a prepared
    /// issuer made for one is not the signer of, and does not name, the other's responses.
    @Test("one CA's prepared issuer never vouches for another's responses", arguments: [TestPKI.KeyType.rsa, .p256])
    func anotherCAIsNeverTrusted(keyType: TestPKI.KeyType) throws {
        let first = try TestPKI(name: "twin", keyType: keyType)
        defer { first.remove() }
        let second = try TestPKI(name: "twin", keyType: keyType)
        defer { second.remove() }
        #expect(first.ca.subject == second.ca.subject)
        let leaf = try second.issue(writePEM: false, writeIndex: false)
        let response = try second.signedResponse(for: leaf.certificate)
        let verifier = OCSPVerifier()
        let right = OCSPIssuer(second.ca)
        let wrong = OCSPIssuer(first.ca)
        // Warm the prepared issuers on their own CA's responses first, as a long-running engine would.
        let own = try first.issue(writePEM: false, writeIndex: false)
        let ownResponse = try first.signedResponse(for: own.certificate)
        #expect(verifier.verify(response: ownResponse, certificate: own.certificate, issuer: wrong, now: Date()).verdict == .good)
        #expect(verifier.verify(response: response, certificate: leaf.certificate, issuer: right, now: Date()).verdict == .good)

        let crossed = verifier.verify(response: response, certificate: leaf.certificate, issuer: wrong, now: Date())
        guard case .rejected(let rejection) = crossed.verdict else {
            Issue.record("another CA's response was not rejected: \(crossed.verdict)")
            return
        }
        #expect(rejection.code == .signerNotFound)
        // Named byName, the other CA is located by its (equal) name: its key then fails the signature.
        let single = SingleResponse(
            certID: try CertID(certificate: leaf.certificate, issuer: second.ca), certStatus: .good,
            thisUpdate: try GeneralizedTime(Date() - 60), nextUpdate: try GeneralizedTime(Date() + 3_600))
        let byName = try OCSPResponseSigner(certificate: second.ca, privateKey: second.caKey, responderIDByKey: false)
            .sign([single], producedAt: Date() - 60)
        #expect(verifier.verify(response: byName, certificate: leaf.certificate, issuer: right, now: Date()).verdict == .good)
        let crossedByName = verifier.verify(response: byName, certificate: leaf.certificate, issuer: wrong, now: Date())
        guard case .rejected(let byNameRejection) = crossedByName.verdict else {
            Issue.record("another CA's byName response was not rejected: \(crossedByName.verdict)")
            return
        }
        #expect(byNameRejection.code == .badSignature)
        // And a CertID of one CA never names the other, although the names hash alike.
        let certID = try #require(right.certID(serialNumber: Array(leaf.certificate.serialNumber.bytes)))
        #expect(certID == (try CertID(certificate: leaf.certificate, issuer: second.ca)))
        #expect(certID.issuerNameHash == wrong.certID(serialNumber: [1])?.issuerNameHash)
        #expect(certID.issuerKeyHash != wrong.certID(serialNumber: [1])?.issuerKeyHash)
    }

    /// CertIDs made from a prepared issuer are the ones computed from the certificates, for every hash.
    @Test("CertIDs for every hash algorithm")
    func certIDsForEveryHash() throws {
        let pki = try TestPKI(name: "prepared-certid")
        defer { pki.remove() }
        let leaf = try pki.issue(writePEM: false, writeIndex: false)
        let prepared = OCSPIssuer(pki.ca)
        for hash in OCSPHashAlgorithm.all {
            let expected = try CertID(certificate: leaf.certificate, issuer: pki.ca, hash: hash)
            #expect(prepared.certID(serialNumber: Array(leaf.certificate.serialNumber.bytes), hash: hash) == expected)
        }
    }
}
