import Foundation
import OCSPCore
import StapleTestSupport
import Testing
import X509

@testable import Stapling

/// How the refresher keeps a certificate: DER and the fields a refresh reads, the issuer shared per CA.
@Suite struct StoredCertificateTests {
    /// What is stored decodes back to the certificate given, with its notAfter, URLs and hash.
    @Test func decodesBackToTheCertificateGiven() throws {
        let pki = try TestPKI(name: "stored")
        defer { pki.remove() }
        let leaf = try pki.issue(ocspURLs: ["http://ocsp.example/"], writePEM: false, writeIndex: false)
        let managed = ManagedCertificate(
            id: "site", certificate: leaf.certificate, issuer: pki.ca, responderURLs: ["http://override/"],
            hash: .sha256)
        var table = IssuerTable()
        let stored = StoredCertificate(
            managed, der: CertificateLoading.derBytes(leaf.certificate), issuer: table.retain(pki.ca))
        #expect(stored.certificate() == leaf.certificate)
        #expect(stored.notValidAfter == leaf.certificate.notValidAfter)
        #expect(stored.issuer.certificate == pki.ca)
        let again = try #require(stored.managed(id: "site"))
        #expect(again.certificate == leaf.certificate && again.issuer == pki.ca)
        #expect(again.responderURLs == ["http://override/"] && again.hash == .sha256 && again.key == managed.key)
    }

    /// Bytes that do not decode give nil (the refresh reports it), never a crash.
    @Test func undecodableBytesGiveNil() throws {
        let pki = try TestPKI(name: "stored-bad")
        defer { pki.remove() }
        let leaf = try pki.issue(writePEM: false, writeIndex: false)
        var table = IssuerTable()
        let managed = ManagedCertificate(id: "x", certificate: leaf.certificate, issuer: pki.ca)
        let stored = StoredCertificate(managed, der: [0x30, 0x03, 0x02, 0x01], issuer: table.retain(pki.ca))
        #expect(stored.certificate() == nil)
        #expect(stored.managed(id: "x") == nil)
    }

    /// One OCSPIssuer per CA, shared by its certificates; another CA (even with the same name) gets
    /// its own; the last release forgets it.
    @Test func oneSharedIssuerPerCA() throws {
        let first = try TestPKI(name: "table")
        defer { first.remove() }
        let twin = try TestPKI(name: "table")
        defer { twin.remove() }
        #expect(first.ca.subject == twin.ca.subject)
        var table = IssuerTable()
        let a = table.retain(first.ca)
        let b = table.retain(first.ca)
        let c = table.retain(twin.ca)
        #expect(a === b)
        #expect(a !== c)
        #expect(c.certificate == twin.ca && a.certificate == first.ca)
        #expect(table.count == 2)
        table.release(a)
        #expect(table.count == 2)
        #expect(table.retain(first.ca) === a)
        table.release(a)
        table.release(b)
        table.release(c)
        #expect(table.count == 0)
        #expect(table.retain(first.ca) !== a)
    }
}
