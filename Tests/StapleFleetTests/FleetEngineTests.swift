import Foundation
import Logging
import OCSPCore
import StapleFleet
import StapleTestSupport
import Stapling
import Testing

/// The listener's key-to-ids lookup (``FleetEngine/targets(for:)`` on ``StapleRefresher``), through
/// the refresher's key index: additions, a key under two ids, renewals and removals.
@Suite("fleet engine: key to ids")
struct FleetEngineTests {
    struct NeverSource: ResponseSource {
        func response(for request: StapleRequest, now: @escaping @Sendable () -> Date) async -> StapleFetchOutcome {
            StapleFetchOutcome()
        }
    }

    @Test("a key maps to exactly the ids managing its certificate, after renewals and removals too")
    func keyIndex() async throws {
        let pki = try TestPKI(name: "fleet-engine-index")
        defer { pki.remove() }
        let a = try pki.issue(writePEM: false, writeIndex: false)
        let b = try pki.issue(writePEM: false, writeIndex: false)
        let renewed = try pki.issue(writePEM: false, writeIndex: false)
        func managed(_ id: String, _ leaf: TestPKI.Leaf) -> ManagedCertificate {
            ManagedCertificate(id: id, certificate: leaf.certificate, issuer: pki.ca)
        }
        let key = { (leaf: TestPKI.Leaf) in CertificateKey(certificate: leaf.certificate) }
        let refresher = StapleRefresher(
            certificates: [managed("a", a), managed("a-too", a), managed("b", b)], source: NeverSource(), store: nil,
            logger: Logger(label: "test"))
        func ids(_ keys: Set<CertificateKey>) async -> [CertificateKey: [String]] {
            await refresher.targets(for: keys).mapValues { $0.map(\.id).sorted() }
        }
        #expect(await ids([key(a)]) == [key(a): ["a", "a-too"]])
        #expect(await ids([key(a), key(b)]) == [key(a): ["a", "a-too"], key(b): ["b"]])
        #expect(await ids([key(renewed)]).isEmpty, "a key nobody manages")
        #expect(await refresher.targets(for: [key(b)])[key(b)]?.first?.managed.serialNumberHex == b.serialHex)

        // Renewal: `a` gets a new certificate; its old key stays with `a-too` only.
        await refresher.upsert(managed("a", renewed))
        #expect(await ids([key(a), key(renewed)]) == [key(a): ["a-too"], key(renewed): ["a"]])
        await refresher.remove(id: "a-too")
        #expect(await ids([key(a)]).isEmpty)
        #expect(await refresher.ids(forKey: key(a)).isEmpty)
        await refresher.upsert(managed("c", b))
        #expect(await ids([key(b)]) == [key(b): ["b", "c"]])
        // The index agrees with a pass over every id.
        for leaf in [a, b, renewed] {
            var passed: [String] = []
            for id in await refresher.ids where await refresher.status(id: id)?.key == key(leaf) { passed.append(id) }
            #expect(await refresher.ids(forKey: key(leaf)) == passed.sorted())
        }
    }
}
