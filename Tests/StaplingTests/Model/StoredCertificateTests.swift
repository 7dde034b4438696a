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

    /// Certificates with the same responder URLs share one array; the last one forgotten frees it.
    /// A certificate's own policy is kept (boxed) and given back.
    @Test func responderURLListsAreSharedAndPoliciesKept() throws {
        let pki = try TestPKI(name: "stored-shared")
        defer { pki.remove() }
        let policy = RefreshPolicy(safetyMargin: 120, minimumInterval: 7)
        let managed = try (0..<3).map { index in
            let leaf = try pki.issue(writePEM: false, writeIndex: false)
            return ManagedCertificate(
                id: "c\(index)", certificate: leaf.certificate, issuer: pki.ca,
                responderURLs: index < 2 ? ["http://one/", "http://two/"] : ["http://other/"],
                policy: index == 0 ? policy : nil)
        }
        var shared = SharedParts()
        let stored = managed.map { shared.stored($0, der: CertificateLoading.derBytes($0.certificate)) }
        #expect(shared.responderURLListCount == 2 && shared.issuers.count == 1)
        #expect(stored.map(\.responderURLs) == managed.map(\.responderURLs))
        let first = try #require(stored[0].responderURLs), second = try #require(stored[1].responderURLs)
        let same = first.withUnsafeBufferPointer { a in second.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } }
        #expect(same, "one array for both")
        #expect(stored[0].policy == policy && stored[1].policy == nil)
        #expect(stored[0].managed(id: "c0")?.policy == policy)
        shared.forget(stored[2])
        #expect(shared.responderURLListCount == 1)
        shared.forget(stored[0])
        #expect(shared.responderURLListCount == 1)
        shared.forget(stored[1])
        #expect(shared.responderURLListCount == 0 && shared.issuers.count == 0)
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
