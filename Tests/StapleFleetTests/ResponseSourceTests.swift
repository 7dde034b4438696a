import Foundation
import Logging
import OCSPCore
import StapleFleet
import StapleTestSupport
import Stapling
import Testing

/// ``FleetResponseSource`` over the in-memory store: one fetch per certificate across nodes, lease
/// waits, rejected rows, the store down.
@Suite("fleet response source (in-memory store)")
struct ResponseSourceTests {
    let handle: TestPKIHandle
    let leaf: TestPKI.Leaf
    let store = MemoryStapleStore()

    init() throws {
        handle = try TestPKIHandle(name: "fleet-source")
        leaf = try handle.pki.issue()
    }

    var key: CertificateKey { CertificateKey(certificate: leaf.certificate) }

    func node(_ name: String, inner: CountingSource, lease: TimeInterval = 5, hub: UpdateHub = UpdateHub())
        -> FleetResponseSource
    {
        FleetResponseSource(
            inner: inner, store: store, hub: hub, owner: name, leaseDuration: lease,
            logger: Logger(label: "test.\(name)"))
    }

    @Test("the first node fetches and writes; the second installs the row without asking the responder")
    func oneFetch() async throws {
        let responder = CountingSource(pki: handle)
        let a = node("a", inner: responder)
        let b = node("b", inner: responder)
        let first = await a.response(for: handle.request(leaf), now: { Date() })
        let staple = try #require(first.judgement?.acceptance.staple)
        #expect(responder.requests == 1)
        #expect(store.row(key)?.thisUpdate == staple.thisUpdate)
        #expect(store.row(key)?.leaseOwner == nil, "the write released the lease")
        let second = await b.response(for: handle.request(leaf), now: { Date() })
        #expect(second.judgement?.acceptance.staple == staple)
        #expect(second.responderURL == "store:a")
        #expect(responder.requests == 1)
    }

    @Test("a node due with the same staple as the row claims and fetches a newer one")
    func dueFetches() async throws {
        let responder = CountingSource(pki: handle)
        let a = node("a", inner: responder)
        let first = try #require(await a.response(for: handle.request(leaf), now: { Date() }).judgement?.acceptance.staple)
        let second = await a.response(for: handle.request(leaf, current: first.thisUpdate), now: { Date() })
        let newer = try #require(second.judgement?.acceptance.staple)
        #expect(newer.thisUpdate > first.thisUpdate)
        #expect(responder.requests == 2)
        #expect(store.row(key)?.thisUpdate == newer.thisUpdate)
    }

    @Test("a notification for a write the node already installed: nobody is asked again")
    func announcedAlreadyHeld() async throws {
        // The race behind FleetServeTests' occasional second request: b's own refresh read a's write
        // and installed it; the listener had judged the write newer a moment before and then ran the
        // announced refresh, which found the row "not newer" and used to claim and fetch.
        let responder = CountingSource(pki: handle)
        let hub = UpdateHub()
        let a = node("a", inner: responder)
        let b = node("b", inner: responder, hub: hub)
        let written = try #require(await a.response(for: handle.request(leaf), now: { Date() }).judgement?.acceptance.staple)
        let installed = try #require(await b.response(for: handle.request(leaf), now: { Date() }).judgement?.acceptance.staple)
        #expect(installed == written)
        await hub.announce(try #require(try await store.read(key)))
        let again = await b.response(for: handle.request(leaf, current: installed.thisUpdate), now: { Date() })
        #expect(responder.requests == 1, "the announced refresh asked the responder")
        #expect(store.row(key)?.leaseOwner == nil, "it claimed no lease")
        guard case .notNewer = again.judgement?.acceptance else {
            Issue.record("the engine is told the row is not newer, so it keeps its staple: \(String(describing: again.judgement?.acceptance))")
            return
        }
        // Not announced, the same row at the node's own due time is a refresh: it fetches.
        _ = await b.response(for: handle.request(leaf, current: installed.thisUpdate), now: { Date() })
        #expect(responder.requests == 2)
    }

    @Test("the lease held by a slow node: the other waits for its write and installs it, one request in all")
    func waitsForHolder() async throws {
        let slow = CountingSource(pki: handle, delay: .milliseconds(600))
        // Long leases: on a loaded machine (the whole suite shares two cooperative threads) a's fetch
        // may take seconds, and b must not give up waiting for it.
        let a = node("a", inner: slow, lease: 120)
        let b = node("b", inner: slow, lease: 120)
        async let first = a.response(for: handle.request(leaf), now: { Date() })
        // b asks once a holds the lease (however long a takes to get there on a busy machine).
        #expect(await eventually(within: 60) { store.row(key)?.leaseOwner == "a" })
        let second = await b.response(for: handle.request(leaf), now: { Date() })
        let staple = try #require(await first.judgement?.acceptance.staple)
        #expect(second.judgement?.acceptance.staple == staple)
        #expect(slow.requests == 1)
    }

    @Test("the holder died: after its lease ends another node claims and fetches")
    func expiredLease() async throws {
        let responder = CountingSource(pki: handle)
        _ = try await store.claim(key, serial: leaf.serialHex, owner: "dead", duration: 0.5)
        let b = node("b", inner: responder)
        let started = Date()
        let outcome = await b.response(for: handle.request(leaf), now: { Date() })
        #expect(outcome.judgement?.acceptance.staple != nil)
        #expect(Date().timeIntervalSince(started) >= 0.5, "not before the lease ended")
        #expect(responder.requests == 1)
        #expect(store.row(key)?.writtenBy == "b")
    }

    @Test("the lease held and a staple to serve: report it and let the engine retry; nothing to serve: fetch alone")
    func heldLease() async throws {
        let responder = CountingSource(pki: handle)
        // Held for ten minutes: still held after b's wait, however long the machine stalls b.
        _ = try await store.claim(key, serial: leaf.serialHex, owner: "stuck", duration: 600)
        let b = node("b", inner: responder, lease: 0.3)
        let retry = await b.response(for: handle.request(leaf, current: Date() - 60), now: { Date() })
        #expect(retry.judgement == nil)
        #expect(retry.failures.first?.code == "fleet.lease-held")
        #expect(responder.requests == 0)
        let alone = await b.response(for: handle.request(leaf), now: { Date() })
        #expect(alone.judgement?.acceptance.staple != nil)
        #expect(responder.requests == 1)
    }

    @Test("a row for another certificate, expired or badly signed: not installed; the fetch replaces it")
    func tamperedRows() async throws {
        let other = try handle.pki.issue()
        var badlySigned = try handle.sign(leaf.certificate)
        badlySigned[badlySigned.count - 5] ^= 0x01
        let tampered = [
            try handle.sign(other.certificate),
            try handle.pki.signedResponse(for: leaf.certificate, thisUpdate: Date() - 3 * 86_400, nextUpdate: Date() - 86_400),
            badlySigned,
        ]
        for bytes in tampered {
            let responder = CountingSource(pki: handle)
            // A far-future thisUpdate: a plain monotonic rule would keep the bad row for ever.
            store.set(StapleRow(key: key, response: bytes, thisUpdate: Date() + 86_400 * 365, refreshAt: Date() + 3600, version: 99))
            let outcome = await node("b", inner: responder).response(for: handle.request(leaf), now: { Date() })
            let staple = try #require(outcome.judgement?.acceptance.staple)
            #expect(staple.bytes != bytes)
            #expect(responder.requests == 1)
            #expect(store.row(key)?.response == staple.bytes, "exactly the invalid bytes were replaced")
        }
    }

    @Test("the store down: the node fetches alone and keeps the staple to write when it is back")
    func storeDown() async throws {
        let responder = CountingSource(pki: handle)
        let hub = UpdateHub()
        store.down.withLock { $0 = true }
        let outcome = await node("b", inner: responder, hub: hub).response(for: handle.request(leaf), now: { Date() })
        #expect(outcome.judgement?.acceptance.staple != nil)
        #expect(responder.requests == 1)
        #expect(await hub.pendingCount == 1)
    }
}
