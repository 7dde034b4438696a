import Foundation
import Logging
import Metrics
import NIOPosix
import OCSPCore
import OCSPFetching
import ServiceLifecycle

/// The staple engine: keeps a verified, fresh staple for every managed certificate, fetched before
/// any client asks, and publishes them in ``provider`` for synchronous reads.
///
/// `run()` (a swift-service-lifecycle `Service`) loads the store, then fetches what is missing or
/// due, at most ``maximumConcurrentFetches`` at a time, and keeps going until graceful shutdown.
/// Timing follows ``RefreshPolicy``; replacement follows ``ReplacementDecision``: only a newer good
/// response replaces a staple; failures back off while the last good staple is served until it
/// expires; `revoked` withdraws the staple and is logged at critical level.
///
/// Certificates can be added, replaced (renewal, same id) and removed while it runs.
public actor StapleRefresher: Service {
    /// The published staples; read it from any thread, without awaiting.
    public nonisolated let provider = StapleSnapshotProvider()
    public nonisolated let policy: RefreshPolicy
    public nonisolated let maximumConcurrentFetches: Int

    private let fetch: StapleFetch
    private let store: StapleStore?
    private let metrics: EngineMetrics
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double
    private let tick: Duration
    private let onEvent: (@Sendable (RefreshEvent) -> Void)?

    private struct Entry {
        var managed: ManagedCertificate
        var key: CertificateKey
        var generation: Int
        var staple: Staple?
        var failures = 0
        var nextAttempt: Date?
        var inFlight = false
        var revoked = false
        /// Refreshed successfully at least once in this process (later refreshes use the normal jitter).
        var settled = false
    }

    private var entries: [String: Entry] = [:]
    private var generations = 0
    private var loaded = false

    /// - Parameters:
    ///   - store: where staples persist across restarts; nil keeps them in memory only.
    ///   - maximumConcurrentFetches: fetches in flight at once, across all certificates.
    ///   - tick: how often the schedule is looked at.
    ///   - metricsFactory: nil for the global `MetricsSystem.factory`.
    ///   - now: the clock; `random`: jitter draws in 0..<1.
    ///   - onEvent: called after each refresh (for logs, tests and tools).
    public init(
        certificates: [ManagedCertificate] = [], fetch: StapleFetch, store: StapleStore?,
        policy: RefreshPolicy = RefreshPolicy(),
        maximumConcurrentFetches: Int = 8, tick: Duration = .seconds(1), metricsFactory: (any MetricsFactory)? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        logger: Logger, onEvent: (@Sendable (RefreshEvent) -> Void)? = nil
    ) {
        self.fetch = fetch
        self.store = store
        self.policy = policy
        self.maximumConcurrentFetches = max(1, maximumConcurrentFetches)
        self.tick = tick
        self.metrics = EngineMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        self.now = now
        self.random = random
        self.logger = logger
        self.onEvent = onEvent
        for managed in certificates {
            generations += 1
            entries[managed.id] = Entry(managed: managed, key: managed.key, generation: generations, nextAttempt: now())
        }
    }

    // MARK: Service

    /// Loads the store, fetches what is missing or stale, then refreshes on schedule until graceful shutdown.
    public func run() async throws {
        loadFromStore()
        await cancelWhenGracefulShutdown {
            await self.schedule()
        }
        logger.info("Staple refresher stopped")
    }

    private func schedule() async {
        await withTaskGroup(of: Bool.self) { group in
            var running = 0
            var timerPending = false
            // Due ids, soonest last (popLast is O(1)).
            var queue: [String] = dueIDs().reversed()
            while !Task.isCancelled {
                while running < maximumConcurrentFetches, let id = queue.popLast() {
                    guard let entry = entries[id], !entry.inFlight, let next = entry.nextAttempt, next <= now() else {
                        continue
                    }
                    entries[id]?.inFlight = true
                    running += 1
                    group.addTask {
                        _ = await self.performRefresh(id: id)
                        return true
                    }
                }
                if !timerPending {
                    timerPending = true
                    let tick = self.tick
                    group.addTask {
                        try? await Task.sleep(for: tick)
                        return false
                    }
                }
                guard let finished = await group.next() else { break }
                if finished {
                    running -= 1
                } else {
                    timerPending = false
                    updateGauges()
                    if queue.isEmpty { queue = dueIDs().reversed() }
                }
            }
            group.cancelAll()
        }
    }

    // MARK: Start-up and explicit refreshes

    /// Loads every certificate's staple from the store (re-verified; invalid files set aside) and
    /// schedules a fetch for those missing or due. Done once; `run()` calls it.
    public func loadFromStore() {
        guard !loaded else { return }
        loaded = true
        for id in entries.keys.sorted() { load(id: id) }
        updateGauges()
        let held = entries.values.filter { $0.staple != nil }.count
        logger.info(
            "Staple store loaded", metadata: ["staple.loaded": "\(held)", "staple.certificates": "\(entries.count)"])
    }

    private func load(id: String) {
        guard var entry = entries[id] else { return }
        let time = now()
        entry.nextAttempt = time
        if let store {
            switch store.load(
                certificate: entry.managed.certificate, issuer: entry.managed.issuer, verifier: fetch.verifier,
                policy: policy, now: time)
            {
            case .loaded(let staple):
                entry.staple = staple
                entry.nextAttempt = policy.refreshTime(
                    thisUpdate: staple.thisUpdate, nextUpdate: staple.nextUpdate,
                    certificateNotAfter: entry.managed.certificate.notValidAfter, now: time, jitter: random(),
                    first: true
                ).map { max($0, time) }
                // A stored staple past its refresh time is stale: fetch now.
                if let next = entry.nextAttempt, next > time,
                    time
                        >= staple.thisUpdate.addingTimeInterval(
                            staple.servingEnd.timeIntervalSince(staple.thisUpdate) / 2)
                {
                    entry.nextAttempt = time
                }
                provider.set(staple, for: entry.key)
            case .setAside, .missing:
                break
            }
        }
        entries[id] = entry
    }

    /// Refreshes every certificate whose attempt is due now, at most ``maximumConcurrentFetches`` at a
    /// time, and returns what happened. For start-up in tools and for tests; `run()` does this on its own.
    public func refreshDue() async -> [RefreshEvent] {
        loadFromStore()
        let due = dueIDs()
        var events: [RefreshEvent] = []
        await withTaskGroup(of: RefreshEvent?.self) { group in
            var pending = due[...]
            var running = 0
            func launch() {
                while running < maximumConcurrentFetches, let id = pending.popFirst() {
                    guard entries[id].map({ !$0.inFlight }) ?? false else { continue }
                    entries[id]?.inFlight = true
                    running += 1
                    group.addTask { await self.performRefresh(id: id) }
                }
            }
            launch()
            while let event = await group.next() {
                running -= 1
                if let event { events.append(event) }
                launch()
            }
        }
        updateGauges()
        return events
    }

    /// Fetches for `id` now, whatever the schedule says, and returns what happened (nil when the id
    /// is unknown or a fetch for it is already running).
    public func refresh(id: String) async -> RefreshEvent? {
        guard let entry = entries[id], !entry.inFlight else { return nil }
        entries[id]?.inFlight = true
        let event = await performRefresh(id: id)
        updateGauges()
        return event
    }

    // MARK: Adding, renewing, removing

    /// Adds a certificate, or replaces the one with the same id (renewal). A replaced certificate's
    /// staple is withdrawn at once; the new one's is loaded from the store or fetched on the next tick.
    public func upsert(_ managed: ManagedCertificate) {
        let key = managed.key
        if let old = entries[managed.id] {
            if old.key == key {
                entries[managed.id]?.managed = managed
                return
            }
            provider.set(nil, for: old.key)
            if !entries.values.contains(where: { $0.key == old.key && $0.managed.id != managed.id }) {
                store?.remove(old.key)
            }
        }
        generations += 1
        entries[managed.id] = Entry(managed: managed, key: key, generation: generations, nextAttempt: now())
        if loaded { load(id: managed.id) }
        updateGauges()
        logger.info(
            "Certificate managed", metadata: ["cert.id": "\(managed.id)", "cert.serial": "\(managed.serialNumberHex)"])
    }

    /// Stops managing `id`: its staple is withdrawn and its stored file removed.
    public func remove(id: String) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        if !entries.values.contains(where: { $0.key == entry.key }) {
            provider.set(nil, for: entry.key)
            store?.remove(entry.key)
        }
        updateGauges()
    }

    /// What is held for `id`.
    public func status(id: String) -> ManagedCertificateStatus? {
        entries[id].map {
            ManagedCertificateStatus(
                id: $0.managed.id, key: $0.key, staple: $0.staple, consecutiveFailures: $0.failures,
                nextAttempt: $0.nextAttempt, revoked: $0.revoked)
        }
    }

    /// The ids managed.
    public var ids: [String] { entries.keys.sorted() }

    // MARK: One refresh

    private func dueIDs() -> [String] {
        let time = now()
        return entries.filter { !$0.value.inFlight && ($0.value.nextAttempt.map { $0 <= time } ?? false) }
            .sorted { ($0.value.nextAttempt!, $0.key) < ($1.value.nextAttempt!, $1.key) }
            .map(\.key)
    }

    /// Fetches for `id` (already marked in flight), outside the actor, then applies the result after
    /// checking the certificate is still the same one.
    private func performRefresh(id: String) async -> RefreshEvent? {
        guard let entry = entries[id] else { return nil }
        let generation = entry.generation
        let job = RefreshJob(
            managed: entry.managed, key: entry.key, currentThisUpdate: entry.staple?.thisUpdate, fetch: fetch,
            store: store,
            policy: policy, now: now)
        let result = await job.run()
        metrics.fetched(outcome: result.metricsOutcome)
        guard var current = entries[id], current.generation == generation else {
            return emit(
                RefreshEvent(
                    id: id, key: job.key, serialNumberHex: job.managed.serialNumberHex, outcome: .superseded,
                    fetchLabel: result.metricsOutcome,
                    message: "certificate replaced or removed during the fetch; answer dropped",
                    nextAttempt: nil, failures: result.failures))
        }
        current.inFlight = false
        let time = now()
        let serial = current.managed.serialNumberHex
        var outcome: RefreshEvent.Outcome
        var message = result.message
        switch result.decision {
        case .replace(let staple):
            current.staple = staple
            current.failures = 0
            current.revoked = false
            current.nextAttempt = policy.refreshTime(
                thisUpdate: staple.thisUpdate, nextUpdate: staple.nextUpdate,
                certificateNotAfter: current.managed.certificate.notValidAfter, now: time, jitter: random(),
                first: !current.settled)
            current.settled = true
            provider.set(staple, for: current.key)
            metrics.acceptedAge.record(time.timeIntervalSince(staple.thisUpdate))
            outcome = .replaced
            logger.debug(
                "Staple refreshed",
                metadata: [
                    "cert.id": "\(id)", "cert.serial": "\(serial)",
                    "staple.this_update": "\(staple.thisUpdate.iso8601)",
                    "staple.next_update": "\(staple.nextUpdate?.iso8601 ?? "none")",
                ])
        case .revoked:
            current.staple = nil
            current.revoked = true
            current.failures += 1
            current.nextAttempt = time.addingTimeInterval(policy.backoffCap)
            provider.set(nil, for: current.key)
            store?.remove(current.key)
            outcome = .revoked
            logger.critical(
                "Certificate REVOKED: staple withdrawn, never served",
                metadata: [
                    "cert.id": "\(id)", "cert.serial": "\(serial)", "error.reason": "\(message)",
                ])
        case .notNewer, .failed:
            current.failures += 1
            current.nextAttempt = time.addingTimeInterval(
                policy.retryDelay(failures: current.failures, jitter: random()))
            outcome = result.decision.isNotNewer ? .notNewer : .failed
            let servable = current.staple?.isServable(at: time) ?? false
            message += servable ? "; the last good staple is still served" : "; no staple is served"
            logger.warning(
                "Staple refresh failed",
                metadata: [
                    "cert.id": "\(id)", "cert.serial": "\(serial)", "error.reason": "\(message)",
                    "staple.retry_at": "\(current.nextAttempt!.iso8601)", "staple.failures": "\(current.failures)",
                ])
        }
        entries[id] = current
        return emit(
            RefreshEvent(
                id: id, key: current.key, serialNumberHex: serial, outcome: outcome, fetchLabel: result.metricsOutcome,
                message: message, nextAttempt: current.nextAttempt, failures: result.failures))
    }

    private func emit(_ event: RefreshEvent) -> RefreshEvent {
        onEvent?(event)
        return event
    }

    private func updateGauges() {
        let time = now()
        var without = 0
        var oldest: TimeInterval = 0
        var least: TimeInterval?
        for entry in entries.values {
            guard let staple = entry.staple, staple.isServable(at: time) else {
                without += 1
                continue
            }
            oldest = max(oldest, time.timeIntervalSince(staple.thisUpdate))
            let left = staple.servingEnd.timeIntervalSince(time)
            least = least.map { min($0, left) } ?? left
        }
        metrics.certificates.record(entries.count)
        metrics.withoutValidStaple.record(without)
        metrics.oldestAge.record(oldest)
        metrics.minimumUntilNextUpdate.record(least ?? 0)
    }
}

/// The I/O of one refresh, run outside the actor: fetch, verify, decide, persist.
private struct RefreshJob: Sendable {
    enum Decision: Sendable {
        case replace(Staple)
        case revoked
        case notNewer
        case failed

        var isNotNewer: Bool {
            if case .notNewer = self { return true }
            return false
        }
    }

    struct Result: Sendable {
        var decision: Decision
        var metricsOutcome: String
        var message: String
        var failures: [StapleFailure]
    }

    let managed: ManagedCertificate
    let key: CertificateKey
    let currentThisUpdate: Date?
    let fetch: StapleFetch
    let store: StapleStore?
    let policy: RefreshPolicy
    let now: @Sendable () -> Date

    func run() async -> Result {
        let outcome = await fetch.fetch(
            certificate: managed.certificate, issuer: managed.issuer, responderURLs: managed.responderURLs,
            hash: managed.hash,
            now: now)
        let serial = managed.serialNumberHex
        let subject =
            "responder \(outcome.responderURL ?? outcome.failures.last?.responderURL ?? "(none)"), certificate serial \(serial)"
        guard let verification = outcome.verification, let bytes = outcome.responseBytes else {
            return Result(
                decision: .failed, metricsOutcome: "network",
                message: outcome.failures.last?.description ?? "\(subject): no answer", failures: outcome.failures)
        }
        switch ReplacementDecision.decide(verification, currentThisUpdate: currentThisUpdate) {
        case .replace:
            let thisUpdate = verification.thisUpdate!
            let end = policy.servingEnd(
                thisUpdate: thisUpdate, nextUpdate: verification.nextUpdate,
                certificateNotAfter: managed.certificate.notValidAfter)
            guard now() < end else {
                return Result(
                    decision: .failed, metricsOutcome: "rejected",
                    message: "\(subject): good but may be served only until \(end.iso8601)", failures: outcome.failures)
            }
            let staple = Staple(
                bytes: bytes, thisUpdate: thisUpdate, nextUpdate: verification.nextUpdate, servingEnd: end)
            if let store {
                do {
                    try await NIOThreadPool.singleton.runIfActive { try store.save(staple, for: key) }
                } catch {
                    // Still served from memory; the next success writes again.
                    return Result(
                        decision: .replace(staple), metricsOutcome: "good",
                        message: "\(subject): good; not persisted: \(error)", failures: outcome.failures)
                }
            }
            return Result(
                decision: .replace(staple), metricsOutcome: "good",
                message: "\(subject): good, thisUpdate \(thisUpdate.iso8601)", failures: outcome.failures)
        case .notNewer(let candidate, let current):
            return Result(
                decision: .notNewer, metricsOutcome: "not_newer",
                message: "\(subject): good, but thisUpdate \(candidate.iso8601) is not newer than \(current.iso8601)",
                failures: outcome.failures)
        case .revoked:
            return Result(
                decision: .revoked, metricsOutcome: "revoked",
                message: "\(subject): \(verification.verdict.explanation)", failures: outcome.failures)
        case .notGood(let verdict):
            let reason = outcome.failures.last.map { "\($0.reason)" } ?? verdict.explanation
            return Result(
                decision: .failed, metricsOutcome: outcome.label,
                message: "\(subject): \(verdict == .unknown ? verdict.explanation : reason)", failures: outcome.failures
            )
        }
    }
}
