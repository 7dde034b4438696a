import Foundation
import Logging
import MetricsTestKit
import OCSPCore
import OCSPFetching
import ServiceLifecycle
import StapleTestSupport
import Testing
import X509

@testable import Stapling

/// The refresher against a real `openssl ocsp -index` responder, with a store on disk.
@Suite(.enabled(if: opensslTestsEnabled, Comment(rawValue: opensslMissingReason)))
struct RefresherTests {
    func managed(
        _ leaf: TestPKI.Leaf, _ pki: TestPKI, url: String, id: String? = nil, hash: OCSPHashAlgorithm = .sha1
    )
        -> ManagedCertificate
    {
        ManagedCertificate(
            id: id ?? leaf.serialHex, certificate: leaf.certificate, issuer: pki.ca, responderURLs: [url], hash: hash)
    }

    @Test func startUpFetchesPublishesAndPersistsThenARestartReloadsAndReverifies() async throws {
        let pki = try TestPKI(name: "engine")
        defer { pki.remove() }
        let first = try pki.issue()
        let second = try pki.issue()
        let revoked = try pki.issue(status: .revoked(Date().addingTimeInterval(-7200)))
        let stateDirectory = "\(pki.directory)/state"
        let port = try SystemTools.freePort()
        let url = "http://127.0.0.1:\(port)/"
        let metrics = TestMetrics()

        // 1. Start-up: nothing stored, everything fetched, good ones published and persisted.
        try await withOpenSSLResponder(pki: pki, port: port) { responder in
            try await withStapleFetch { fetch in
                let refresher = StapleRefresher(
                    certificates: [
                        managed(first, pki, url: url), managed(second, pki, url: url, hash: .sha256),
                        managed(revoked, pki, url: url),
                    ],
                    fetch: fetch, store: try StapleStore(directory: stateDirectory, logger: quietLogger),
                    metricsFactory: metrics,
                    logger: quietLogger)
                let events = await refresher.refreshDue()
                #expect(events.count == 3)
                #expect(events.filter { $0.outcome == .replaced }.count == 2, "\(events) \(responder.log)")
                let revokedEvent = try #require(events.first { $0.id == revoked.serialHex })
                #expect(revokedEvent.outcome == .revoked)
                #expect(revokedEvent.message.contains("REVOKED") && revokedEvent.message.contains(revoked.serialHex))

                for leaf in [first, second] {
                    let bytes = try #require(refresher.provider.staple(for: leaf.certificate, at: Date()))
                    #expect(
                        OCSPVerifier().verify(
                            response: bytes, certificate: leaf.certificate, issuer: pki.ca, now: Date()
                        ).isStapleable)
                    #expect(
                        fileBytes("\(stateDirectory)/\(CertificateKey(certificate: leaf.certificate).hex).ocsp")
                            == bytes)
                }
                #expect(refresher.provider.staple(for: revoked.certificate, at: Date()) == nil)
                // Never served once expired: ask a day and a half later.
                #expect(
                    refresher.provider.staple(for: first.certificate, at: Date().addingTimeInterval(1.5 * 86_400))
                        == nil)

                #expect(try metrics.expectCounter("staple_fetches_total", [("outcome", "good")]).totalValue == 2)
                #expect(try metrics.expectCounter("staple_fetches_total", [("outcome", "revoked")]).totalValue == 1)
                #expect(try metrics.expectGauge("staple_certificates_without_valid_staple").lastValue == 1)
                #expect(try metrics.expectGauge("staple_certificates").lastValue == 3)
                let untilNext = try #require(try metrics.expectGauge("staple_min_seconds_until_next_update").lastValue)
                #expect(untilNext > 80_000 && untilNext <= 86_400 + 300)
                #expect(try metrics.expectGauge("staple_oldest_age_seconds").lastValue ?? -1 >= 0)
            }
        }

        // 2. Restart with the responder down: staples come from the store, re-verified, served at once;
        //    a corrupted one is set aside (renamed, not served).
        let secondPath = "\(stateDirectory)/\(CertificateKey(certificate: second.certificate).hex).ocsp"
        // A torn write, as an in-place writer (not this one) would leave behind.
        let stored = try #require(fileBytes(secondPath))
        try Data(stored.prefix(stored.count - 40)).write(to: URL(fileURLWithPath: secondPath))

        try await withStapleFetch(attemptTimeout: 2) { fetch in
            let refresher = StapleRefresher(
                certificates: [managed(first, pki, url: url), managed(second, pki, url: url, hash: .sha256)],
                fetch: fetch, store: try StapleStore(directory: stateDirectory, logger: quietLogger),
                metricsFactory: TestMetrics(),
                logger: quietLogger)
            await refresher.loadFromStore()
            #expect(refresher.provider.staple(for: first.certificate, at: Date()) != nil)
            #expect(refresher.provider.staple(for: second.certificate, at: Date()) == nil)
            let setAside = try FileManager.default.contentsOfDirectory(atPath: stateDirectory).filter {
                $0.contains(".rejected-")
            }
            #expect(setAside.count == 1)
            #expect(setAside.first?.hasPrefix(CertificateKey(certificate: second.certificate).hex) == true)
            #expect(!FileManager.default.fileExists(atPath: secondPath))
            // The loaded staple is not due; the set-aside one is.
            #expect(await refresher.status(id: first.serialHex)?.nextAttempt ?? .distantPast > Date())
            #expect(await refresher.status(id: second.serialHex)?.nextAttempt ?? .distantFuture <= Date())

            // 3. The responder is back: the missing staple is fetched fresh; the loaded one is left alone.
            try await withOpenSSLResponder(pki: pki, port: port) { _ in
                let events = await refresher.refreshDue()
                #expect(events.map(\.id) == [second.serialHex])
                #expect(events.first?.outcome == .replaced)
                #expect(refresher.provider.staple(for: second.certificate, at: Date()) != nil)
                #expect(fileBytes(secondPath) != nil)
            }
        }
    }

    @Test func aFailedRefreshKeepsServingTheLastGoodStapleAndBacksOff() async throws {
        let pki = try TestPKI(name: "keep")
        defer { pki.remove() }
        let leaf = try pki.issue()
        let dead = try ClosedPort()
        defer { withExtendedLifetime(dead) {} }
        let deadPort = dead.port
        try await withOpenSSLResponder(pki: pki) { responder in
            try await withStapleFetch { fetch in
                let refresher = StapleRefresher(
                    certificates: [managed(leaf, pki, url: responder.url(), id: "site")], fetch: fetch, store: nil,
                    metricsFactory: TestMetrics(),
                    random: { 0 }, logger: quietLogger)
                #expect(await refresher.refreshDue().first?.outcome == .replaced)
                let served = try #require(refresher.provider.staple(for: leaf.certificate, at: Date()))

                await refresher.upsert(managed(leaf, pki, url: "http://127.0.0.1:\(deadPort)/", id: "site"))
                let before = Date()
                let failed = try #require(await refresher.refresh(id: "site"))
                #expect(failed.outcome == .failed)
                #expect(failed.message.contains("127.0.0.1:\(deadPort)") && failed.message.contains(leaf.serialHex))
                #expect(failed.message.contains("still served"))
                #expect(refresher.provider.staple(for: leaf.certificate, at: Date()) == served)
                let status = try #require(await refresher.status(id: "site"))
                #expect(status.consecutiveFailures == 1)
                // First retry after the backoff base (30 s; jitter 0 here).
                let retry = try #require(status.nextAttempt).timeIntervalSince(before)
                #expect(retry >= 29 && retry <= 31 + Date().timeIntervalSince(before))

                _ = await refresher.refresh(id: "site")
                let second = try #require(await refresher.status(id: "site"))
                #expect(second.consecutiveFailures == 2)
                #expect(try #require(second.nextAttempt).timeIntervalSince(before) >= 59)
            }
        }
    }

    @Test func theServiceRunsAndCertificatesAreAddedRenewedAndRemovedWhileItRuns() async throws {
        let pki = try TestPKI(name: "service")
        defer { pki.remove() }
        let a = try pki.issue()
        let b = try pki.issue()
        let aRenewed = try pki.issue()
        let (stream, continuation) = AsyncStream<RefreshEvent>.makeStream()
        try await withOpenSSLResponder(pki: pki) { responder in
            try await withStapleFetch { fetch in
                let refresher = StapleRefresher(
                    certificates: [managed(a, pki, url: responder.url(), id: "a")], fetch: fetch,
                    store: try StapleStore(directory: "\(pki.directory)/state", logger: quietLogger),
                    longestSleep: .milliseconds(50),
                    metricsFactory: TestMetrics(), logger: quietLogger, onEvent: { continuation.yield($0) })
                let group = ServiceGroup(
                    configuration: ServiceGroupConfiguration(services: [.init(service: refresher)], logger: quietLogger)
                )
                var events = stream.makeAsyncIterator()
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }

                    // Start-up fetches what is missing.
                    let first = try #require(await events.next())
                    #expect(first.id == "a" && first.outcome == .replaced)
                    #expect(refresher.provider.staple(for: a.certificate, at: Date()) != nil)

                    // Added while running.
                    await refresher.upsert(managed(b, pki, url: responder.url(), id: "b"))
                    let added = try #require(await events.next())
                    #expect(added.id == "b" && added.outcome == .replaced)
                    #expect(refresher.provider.staple(for: b.certificate, at: Date()) != nil)

                    // Renewed: the old certificate's staple is withdrawn at once, the new one fetched.
                    await refresher.upsert(managed(aRenewed, pki, url: responder.url(), id: "a"))
                    #expect(refresher.provider.staple(for: a.certificate, at: Date()) == nil)
                    let renewed = try #require(await events.next())
                    #expect(renewed.id == "a" && renewed.key == CertificateKey(certificate: aRenewed.certificate))
                    #expect(refresher.provider.staple(for: aRenewed.certificate, at: Date()) != nil)

                    // Removed.
                    await refresher.remove(id: "b")
                    #expect(refresher.provider.staple(for: b.certificate, at: Date()) == nil)
                    #expect(await refresher.ids == ["a"])

                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                }
            }
        }
    }
}

/// The store alone: atomic writes, set-aside of garbage, layout.
@Suite struct StapleStoreTests {
    @Test func garbageIsSetAsideAndReportedNeverLoaded() throws {
        let pki = try TestPKI(name: "store")
        defer { pki.remove() }
        let leaf = try pki.issue(writePEM: false)
        let store = try StapleStore(directory: "\(pki.directory)/state", logger: quietLogger)
        let key = CertificateKey(certificate: leaf.certificate)
        #expect(store.path(for: key) == "\(pki.directory)/state/\(key.hex).ocsp")
        guard
            case .missing = store.load(
                certificate: leaf.certificate, issuer: pki.ca, verifier: OCSPVerifier(), policy: RefreshPolicy(),
                now: Date())
        else {
            Issue.record("an empty store has nothing")
            return
        }
        try Data("not a response".utf8).write(to: URL(fileURLWithPath: store.path(for: key)))
        guard
            case .setAside(let reason, let movedTo) = store.load(
                certificate: leaf.certificate, issuer: pki.ca, verifier: OCSPVerifier(), policy: RefreshPolicy(),
                now: Date())
        else {
            Issue.record("garbage must be set aside")
            return
        }
        #expect(reason.contains("malformed"))
        let moved = try #require(movedTo)
        #expect(fileBytes(moved) == Array("not a response".utf8))
        #expect(!FileManager.default.fileExists(atPath: store.path(for: key)))
    }

    @Test func saveIsAtomicAndLeavesNoTemporaryFiles() throws {
        let pki = try TestPKI(name: "atomic")
        defer { pki.remove() }
        let leaf = try pki.issue(writePEM: false)
        let store = try StapleStore(directory: "\(pki.directory)/state", logger: quietLogger)
        let thisUpdate = Date().addingTimeInterval(-60)
        let bytes = try pki.signedResponse(
            for: leaf.certificate, thisUpdate: thisUpdate, nextUpdate: thisUpdate.addingTimeInterval(86_400))
        // The only way to a Staple: judged good for the certificate.
        let staple = try #require(
            StapleJudgement(
                response: bytes, certificate: leaf.certificate, issuer: pki.ca, verifier: OCSPVerifier(),
                currentThisUpdate: nil, policy: RefreshPolicy(), now: Date()
            ).acceptance.staple)
        #expect(staple.bytes == bytes)
        try store.save(staple, for: leaf.certificate.stapleKey)
        try store.save(staple, for: leaf.certificate.stapleKey)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: store.directory) == [
                "\(leaf.certificate.stapleKey.hex).ocsp"
            ])
        guard
            case .loaded(let loaded) = store.load(
                certificate: leaf.certificate, issuer: pki.ca, verifier: OCSPVerifier(), policy: RefreshPolicy(),
                now: Date())
        else {
            Issue.record("a good staple loads")
            return
        }
        #expect(loaded.bytes == bytes)
    }
}

extension X509.Certificate {
    var stapleKey: CertificateKey { CertificateKey(certificate: self) }
}
