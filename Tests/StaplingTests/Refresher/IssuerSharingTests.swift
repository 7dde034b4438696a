import Foundation
import OCSPCore
import StapleTestSupport
import Synchronization
import Testing
import X509

@testable import Stapling

/// The refresher shares one prepared issuer per CA between its certificates and never hands a
/// certificate's request another CA's issuer, even when two CAs have the same name.
@Suite struct IssuerSharingTests {
    /// Answers every request with a good response signed by the CA that really issued the
    /// certificate, and records what each request carried.
    final class SigningSource: ResponseSource {
        let authorities: [TestPKI]
        let requests = Mutex<[StapleRequest]>([])

        init(_ authorities: [TestPKI]) { self.authorities = authorities }

        func response(for request: StapleRequest, now: @escaping @Sendable () -> Date) async -> StapleFetchOutcome {
            requests.withLock { $0.append(request) }
            guard let pki = authorities.first(where: { request.certificate.issuer == $0.ca.subject
                && $0.ca.publicKey.isValidSignature(request.certificate.signature, for: request.certificate) }),
                let bytes = try? pki.signedResponse(for: request.certificate, thisUpdate: now() - 60)
            else { return StapleFetchOutcome() }
            let judgement = StapleJudgement(
                response: bytes, certificate: request.certificate, issuer: request.preparedIssuer,
                verifier: OCSPVerifier(), currentThisUpdate: request.currentThisUpdate, policy: request.policy,
                now: now())
            return StapleFetchOutcome(judgement: judgement, responderURL: ScriptedSource.url)
        }
    }

    @Test func oneIssuerPerCANeverAnother() async throws {
        let first = try TestPKI(name: "sharing")
        defer { first.remove() }
        let twin = try TestPKI(name: "sharing")
        defer { twin.remove() }
        #expect(first.ca.subject == twin.ca.subject)
        let leaves = [
            ("a1", first), ("a2", first), ("b1", twin), ("b2", twin),
        ].map { ($0.0, try! $0.1.issue(writePEM: false, writeIndex: false), $0.1) }
        let source = SigningSource([first, twin])
        let refresher = StapleRefresher(
            certificates: leaves.map { ManagedCertificate(id: $0.0, certificate: $0.1.certificate, issuer: $0.2.ca) },
            source: source, store: nil, logger: quietLogger)
        let events = await refresher.refreshDue()
        #expect(events.count == 4)
        #expect(events.allSatisfy { $0.outcome == .replaced }, "\(events)")

        let requests = source.requests.withLock { $0 }
        for (id, leaf, pki) in leaves {
            let request = try #require(requests.first { $0.certificate == leaf.certificate }, "no request for \(id)")
            #expect(request.issuer == pki.ca, "\(id) was asked for with another CA's issuer")
            #expect(request.preparedIssuer.certificate == pki.ca)
        }
        func prepared(_ id: String) -> OCSPIssuer? {
            let leaf = leaves.first { $0.0 == id }!.1
            return requests.first { $0.certificate == leaf.certificate }?.preparedIssuer
        }
        #expect(prepared("a1") === prepared("a2"))
        #expect(prepared("b1") === prepared("b2"))
        #expect(prepared("a1") !== prepared("b1"))

        // Renewed under the other CA: the next request carries that CA's issuer.
        let renewed = try first.issue(writePEM: false, writeIndex: false)
        await refresher.upsert(ManagedCertificate(id: "b1", certificate: renewed.certificate, issuer: first.ca))
        let event = await refresher.refresh(id: "b1")
        #expect(event?.outcome == .replaced)
        let last = try #require(source.requests.withLock { $0.last })
        #expect(last.certificate == renewed.certificate)
        #expect(last.preparedIssuer === prepared("a1"))
    }
}
