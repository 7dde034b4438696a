import Foundation
import MetricsTestKit
import OCSPCore
import ServiceLifecycle
import StapleTestSupport
import Synchronization
import Testing

@testable import Stapling

/// The running refresher on the real clock with an hour's longest sleep: it sleeps until the next
/// due attempt, not a fixed tick, and a certificate added while it sleeps wakes it.
@Suite struct LoopAlarmTests {
    @Test func retriesComeAtTheirDueTimeAndAnAddedCertificateWakesTheLoop() async throws {
        let pki = try TestPKI(name: "loop-alarm")
        defer { pki.remove() }
        let a = try pki.issue(writePEM: false, writeIndex: false)
        let b = try pki.issue(writePEM: false, writeIndex: false)
        let source = ScriptedSource()
        let now = Date()
        source.script(
            .unreachable, .unreachable, .response(try pki.response(for: a, thisUpdate: now, validity: 86_400)),
            .response(try pki.response(for: b, thisUpdate: now, validity: 86_400)))
        let seen = Mutex<[(event: RefreshEvent, at: Date)]>([])
        let policy = RefreshPolicy(jitterFraction: 0, backoffBase: 0.3, backoffCap: 0.3)
        let refresher = StapleRefresher(
            certificates: [ManagedCertificate(id: "a", certificate: a.certificate, issuer: pki.ca)], source: source,
            store: nil, policy: policy, longestSleep: .seconds(3600), metricsFactory: TestMetrics(),
            logger: quietLogger, onEvent: { event in seen.withLock { $0.append((event, Date())) } })
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [.init(service: refresher)], logger: quietLogger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }

            // Two failures, each retried 0.3 s later, then the staple: three attempts within an hour's sleep.
            #expect(await eventually(within: 60) { seen.withLock { $0.count } >= 3 })
            let first = seen.withLock { Array($0.prefix(3)) }
            #expect(first.map(\.event.outcome) == [.failed, .failed, .replaced])
            for (earlier, later) in zip(first, first.dropFirst()) {
                // Taken at the planned time, not before it.
                let planned = try #require(earlier.event.nextAttempt)
                #expect(later.at >= planned, "attempt at \(later.at), planned for \(planned)")
            }
            let staple = refresher.provider.staple(for: a.certificate, at: Date())
            #expect(staple != nil)
            // Its next refresh is hours away: the loop sleeps its longest sleep now.
            let next = try #require(await refresher.status(id: "a")?.nextAttempt)
            #expect(next.timeIntervalSinceNow > 60)

            // Added while the loop sleeps: fetched at once, not at the end of the sleep.
            await refresher.loadFromStore()
            await refresher.upsert(ManagedCertificate(id: "b", certificate: b.certificate, issuer: pki.ca))
            #expect(await eventually(within: 60) { refresher.provider.staple(for: b.certificate, at: Date()) != nil })
            #expect(source.unused == 0)
            #expect(source.requests.count == 4)

            // Graceful shutdown ends the sleep too.
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
