import Foundation
import Logging
import Metrics
import OCSPCore
import ServiceLifecycle

/// The staple engine: keeps a verified, fresh staple for every managed certificate, fetched before
/// any client asks, and publishes them in ``provider`` for synchronous reads.
///
/// `run()` (a swift-service-lifecycle `Service`) loads the store, then fetches what is missing or
/// due, at most ``maximumConcurrentFetches`` at a time, and keeps going until graceful shutdown.
/// Timing follows ``RefreshPolicy``; acceptance follows ``StapleJudgement``: only a newer good
/// response replaces a staple; failures back off while the last good staple is served until it
/// expires; `revoked` withdraws the staple and is logged at critical level. The state of one
/// certificate and its transitions are a pure value (`EntryState`); this actor owns the schedule
/// and the I/O, and re-checks after every `await` that the certificate is still the one it asked for.
///
/// The schedule is a ``DueSchedule`` ordered by due time: whatever falls due is taken in due order
/// as fetch slots free up, also during start-up. Start-up (the store's loading and the first attempt
/// of every certificate due when loading ended) keeps first refreshes provisional and draws them
/// when it ends (``EntryState/spread(certificateNotAfter:policy:now:jitter:)``): the first refreshes
/// of 100,000 certificates fetched over minutes are spread from the end of start-up, not left due at
/// once behind it.
///
/// Certificates can be added, replaced (renewal, same id) and removed while it runs.
package actor StapleRefresher: Service {
    /// The published staples; read it from any thread, without awaiting.
    package nonisolated let provider = StapleSnapshotProvider()
    package nonisolated let policy: RefreshPolicy
    package nonisolated let maximumConcurrentFetches: Int

    private let source: any ResponseSource
    private let verifier: OCSPVerifier
    private let store: StapleStore?
    private let metrics: EngineMetrics
    private let logger: Logger
    let now: @Sendable () -> Date
    private let random: @Sendable () -> Double
    let longestSleep: Duration
    private let onEvent: (@Sendable (RefreshEvent) -> Void)?

    struct Entry {
        /// The certificate as kept while managed: DER and the fields a refresh reads (not a decoded `Certificate`).
        var stored: StoredCertificate
        var key: CertificateKey
        /// Changes when the certificate under this id is replaced: an answer for an older one is dropped.
        var generation: Int
        /// A load or a refresh is running for it: nothing else starts one.
        var busy: Bool
        /// Due when the store's loading ended, its first attempt not finished yet: start-up waits for it.
        var startup = false
        var state: EntryState
    }

    private enum LoadState {
        case notStarted
        case loading(waiters: [CheckedContinuation<Void, Never>])
        case done
    }

    var entries: [String: Entry] = [:]
    /// The ids under each certificate key (a key may be managed under several ids), so that finding a
    /// key's ids (a fleet notification, a withdrawal) does not pass over every entry.
    private var idsByKey: [CertificateKey: Set<String>] = [:]
    /// One ``OCSPIssuer`` per CA and one array per list of responder URLs, shared by the entries.
    private var shared = SharedParts()
    private var generations = 0
    private var loadState = LoadState.notStarted
    /// Every certificate's next attempt, soonest first.
    var schedule = DueSchedule()
    /// Start-up attempts not finished yet (entries marked `startup`); nil until loading ended.
    private var startupPending: Int?
    private var startupOver = false
    /// The refresh loop's sleep until the next due attempt.
    var alarm = LoopAlarm()
    /// When the loop brings the gauges up to date.
    var gauges: GaugePace

    /// - Parameters:
    ///   - source: where responses come from (``StapleFetch`` in production).
    ///   - verifier: re-verifies staples loaded from the store.
    ///   - store: where staples persist across restarts; nil keeps them in memory only.
    ///   - maximumConcurrentFetches: fetches in flight at once, across all certificates.
    ///   - longestSleep: the longest the loop sleeps when nothing falls due sooner, and how often it
    ///     brings the gauges up to date when nothing was refreshed (``GaugePace``). It wakes at the
    ///     next due attempt, and earlier when one is scheduled before it: this bounds only how late a
    ///     moved clock (a test's) is noticed.
    ///   - metricsFactory: nil for the global `MetricsSystem.factory`.
    ///   - now: the clock; `random`: jitter draws in 0..<1.
    ///   - onEvent: called after each refresh (for logs, tests and tools).
    ///
    /// `certificates` is read once, one element at a time, and each is kept as DER: a lazy sequence
    /// (`ders.lazy.compactMap { ... }`) lets the caller's decoded certificates be freed one by one,
    /// as ``upsert(_:)`` does, instead of all being alive at once around the engine's own storage.
    package init(
        certificates: some Sequence<ManagedCertificate> = [ManagedCertificate](), source: any ResponseSource,
        verifier: OCSPVerifier = OCSPVerifier(),
        store: StapleStore?, policy: RefreshPolicy = RefreshPolicy(),
        maximumConcurrentFetches: Int = 8, longestSleep: Duration = .seconds(10), metricsFactory: (any MetricsFactory)? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        logger: Logger, onEvent: (@Sendable (RefreshEvent) -> Void)? = nil
    ) {
        self.source = source
        self.verifier = verifier
        self.store = store
        self.policy = policy
        self.maximumConcurrentFetches = max(1, maximumConcurrentFetches)
        self.longestSleep = longestSleep
        self.gauges = GaugePace(idle: longestSleep)
        self.metrics = EngineMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        self.now = now
        self.random = random
        self.logger = logger
        self.onEvent = onEvent
        entries.reserveCapacity(certificates.underestimatedCount)
        for managed in certificates {
            generations += 1
            let der = CertificateLoading.derBytes(managed.certificate)
            if let old = entries[managed.id] {
                shared.forget(old.stored)
                Self.unindex(managed.id, key: old.key, in: &idsByKey)
            }
            let key = CertificateKey(derBytes: der)
            entries[managed.id] = Entry(
                stored: shared.stored(managed, der: der),
                key: key, generation: generations, busy: false,
                state: EntryState(dueAt: now()))
            idsByKey[key, default: []].insert(managed.id)
        }
    }

    /// A refresher asking the responders through `fetch` (whose verifier also re-verifies the store).
    package init(
        certificates: some Sequence<ManagedCertificate> = [ManagedCertificate](), fetch: StapleFetch,
        store: StapleStore?,
        policy: RefreshPolicy = RefreshPolicy(),
        maximumConcurrentFetches: Int = 8, longestSleep: Duration = .seconds(10), metricsFactory: (any MetricsFactory)? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        logger: Logger, onEvent: (@Sendable (RefreshEvent) -> Void)? = nil
    ) {
        self.init(
            certificates: certificates, source: fetch, verifier: fetch.verifier, store: store, policy: policy,
            maximumConcurrentFetches: maximumConcurrentFetches, longestSleep: longestSleep, metricsFactory: metricsFactory, now: now,
            random: random, logger: logger, onEvent: onEvent)
    }

    // MARK: Service

    /// Loads the store, fetches what is missing or stale, then refreshes on schedule until graceful shutdown.
    package func run() async throws {
        await loadFromStore()
        await cancelWhenGracefulShutdown {
            _ = await self.refreshLoop(.continuous)
        }
        logger.info("Staple refresher stopped")
    }

    /// Refreshes every certificate whose attempt is due now, at most ``maximumConcurrentFetches`` at a
    /// time, and returns what happened. For start-up in tools and for tests; `run()` does this on its own.
    package func refreshDue() async -> [RefreshEvent] {
        await loadFromStore()
        return await refreshLoop(.dueNow)
    }

    /// Fetches for `id` now, whatever the schedule says, and returns what happened (nil when the id
    /// is unknown or a load or fetch for it is already running).
    package func refresh(id: String) async -> RefreshEvent? {
        guard let entry = entries[id], !entry.busy else { return nil }
        entries[id]?.busy = true
        let event = await performRefresh(id: id, generation: entry.generation)
        updateGauges()
        return event
    }

    /// Calls `body` on every entry in place (no copy of the dictionary, which a `for in` over it while
    /// mutating it would make).
    private func updateEachEntry(_ body: (String, inout Entry) -> Void) {
        var index = entries.startIndex
        while index != entries.endIndex {
            body(entries.keys[index], &entries.values[index])
            index = entries.index(after: index)
        }
    }

    // MARK: Start-up

    /// Loads every certificate's staple from the store (re-verified, on the thread pool; invalid files
    /// set aside) and schedules a fetch for those missing or due. Done once; `run()` and
    /// ``refreshDue()`` call it, and a second caller waits for the first.
    package func loadFromStore() async {
        switch loadState {
        case .done:
            return
        case .loading(let waiters):
            await withCheckedContinuation { loadState = .loading(waiters: waiters + [$0]) }
            return
        case .notStarted:
            break
        }
        loadState = .loading(waiters: [])
        // Claimed before the first await: no refresh starts before its stored staple is read.
        var pending: [(id: String, generation: Int)] = []
        pending.reserveCapacity(entries.count)
        updateEachEntry { id, entry in
            guard !entry.busy else { return }
            entry.busy = true
            pending.append((id, entry.generation))
        }
        pending.sort { $0.id < $1.id }
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for (id, generation) in pending {
                if running == maximumConcurrentFetches {
                    await group.next()
                    running -= 1
                }
                running += 1
                group.addTask { await self.load(claimed: id, generation: generation) }
            }
        }
        if case .loading(let waiters) = loadState {
            for waiter in waiters { waiter.resume() }
        }
        loadState = .done
        beginStartup()
        updateGauges()
        let held = entries.values.filter { $0.state.staple != nil }.count
        logger.info(
            "Staple store loaded", metadata: ["staple.loaded": "\(held)", "staple.certificates": "\(entries.count)"])
    }

    private var loadStarted: Bool {
        if case .notStarted = loadState { return false }
        return true
    }

    /// First refreshes scheduled now are provisional: start-up is under way.
    private var provisional: Bool { loadStarted && !startupOver }

    /// Loading ended: start-up lasts until every certificate due now has had its first attempt.
    private func beginStartup() {
        let time = now()
        var pending = 0
        updateEachEntry { _, entry in
            guard !entry.busy, entry.state.isDue(at: time) else { return }
            entry.startup = true
            pending += 1
        }
        startupPending = pending
        if pending == 0 { endStartup() }
    }

    /// One start-up attempt finished (or its certificate was replaced or removed).
    private func startupAttemptFinished() {
        guard !startupOver, let pending = startupPending else { return }
        if pending <= 1 { endStartup() } else { startupPending = pending - 1 }
    }

    /// Draws every provisional first refresh from now, the end of start-up.
    private func endStartup() {
        startupOver = true
        startupPending = nil
        let time = now()
        var spread = 0
        updateEachEntry { _, entry in
            guard !entry.busy else { return }
            if entry.state.spread(
                certificateNotAfter: entry.stored.notValidAfter, policy: policy(of: entry.stored), now: time,
                jitter: random())
            {
                spread += 1
            }
        }
        rebuildSchedule()
        logger.info(
            "Start-up over: first refreshes spread from now",
            metadata: ["staple.spread": "\(spread)", "staple.certificates": "\(entries.count)"])
    }

    /// Loads the stored staple of `id` (already marked busy) and schedules its refresh, unless the
    /// certificate was replaced or removed meanwhile.
    private func load(claimed id: String, generation: Int) async {
        guard let entry = entries[id], entry.generation == generation else { return }
        var loaded: Staple?
        // Undecodable: nothing loaded; the refresh that follows reports it.
        if let store, let certificate = entry.stored.certificate() {
            let result = await store.loadOffThread(
                certificate: certificate, issuer: entry.stored.issuer, verifier: verifier,
                policy: policy(of: entry.stored), now: now())
            if case .loaded(let staple) = result { loaded = staple }
        }
        guard var current = entries[id], current.generation == generation else { return }
        let change = current.state.load(
            loaded, certificateNotAfter: current.stored.notValidAfter, policy: policy(of: current.stored), now: now(),
            jitter: random(), provisional: provisional)
        current.busy = false
        entries[id] = current
        scheduleNext(id, current.state)
        if case .publish(let staple) = change { provider.set(staple, for: current.key) }
    }

    // MARK: Adding, renewing, removing

    /// Adds a certificate, or replaces the one with the same id (renewal). A replaced certificate's
    /// staple is withdrawn at once; the new one's is loaded from the store (once the store has been
    /// loaded) or fetched as soon as a fetch slot is free.
    package func upsert(_ managed: ManagedCertificate) async {
        let der = CertificateLoading.derBytes(managed.certificate)
        let key = CertificateKey(derBytes: der)
        let old = entries[managed.id]
        let stored = shared.stored(managed, der: der)
        if let old { shared.forget(old.stored) }
        if let old, old.key == key {
            entries[managed.id]?.stored = stored
            return
        }
        if old?.startup == true { startupAttemptFinished() }
        generations += 1
        let generation = generations
        let loadNow = loadStarted
        entries[managed.id] = Entry(
            stored: stored, key: key, generation: generation, busy: loadNow, state: EntryState(dueAt: now()))
        if let old { Self.unindex(managed.id, key: old.key, in: &idsByKey) }
        idsByKey[key, default: []].insert(managed.id)
        if let old { await release(old.key) }
        if loadNow { await load(claimed: managed.id, generation: generation) }
        updateGauges()
        logger.info(
            "Certificate managed", metadata: ["cert.id": "\(managed.id)", "cert.serial": "\(managed.serialNumberHex)"])
    }

    /// Stops managing `id`: its staple is withdrawn and its stored file removed.
    package func remove(id: String) async {
        guard let entry = entries.removeValue(forKey: id) else { return }
        shared.forget(entry.stored)
        Self.unindex(id, key: entry.key, in: &idsByKey)
        if entry.startup { startupAttemptFinished() }
        await release(entry.key)
        updateGauges()
    }

    /// Withdraws the staple of `key` and removes its file, unless another id still uses it.
    private func release(_ key: CertificateKey) async {
        guard idsByKey[key] == nil else { return }
        provider.set(nil, for: key)
        await store?.removeOffThread(key)
    }

    /// What is held for `id`.
    package func status(id: String) -> ManagedCertificateStatus? {
        entries[id].map {
            ManagedCertificateStatus(
                id: id, key: $0.key, staple: $0.state.staple, consecutiveFailures: $0.state.failures,
                nextAttempt: $0.state.nextAttempt, revoked: $0.state.revoked)
        }
    }

    /// The ids managed.
    package var ids: [String] { entries.keys.sorted() }

    /// The ids whose certificate has `key`, sorted (none when it is not managed): a lookup, not a pass.
    package func ids(forKey key: CertificateKey) -> [String] { idsByKey[key].map { $0.sorted() } ?? [] }

    private static func unindex(_ id: String, key: CertificateKey, in table: inout [CertificateKey: Set<String>]) {
        table[key]?.remove(id)
        if table[key]?.isEmpty == true { table[key] = nil }
    }

    /// The certificate managed under `id` (for a fleet's listener, which verifies a shared row itself).
    package func managed(id: String) -> ManagedCertificate? { entries[id]?.stored.managed(id: id) }

    // MARK: One refresh

    /// The certificate's own policy (a per-site refresh margin), else the refresher's.
    private func policy(of stored: StoredCertificate) -> RefreshPolicy { stored.policy ?? policy }

    /// Asks the source for `id` (already marked busy), outside the actor, then applies the answer
    /// after checking the certificate is still the same one, and persists or deletes its file.
    func performRefresh(id: String, generation: Int) async -> RefreshEvent? {
        guard let entry = entries[id], entry.generation == generation else { return nil }
        let certificate = entry.stored.certificate()
        let serial = certificate.map { Array($0.serialNumber.bytes).hexString } ?? "(undecodable)"
        let fetched: StapleFetchOutcome
        if let certificate {
            let request = StapleRequest(
                certificate: certificate, issuer: entry.stored.issuer, responderURLs: entry.stored.responderURLs,
                hash: entry.stored.hash, currentThisUpdate: entry.state.staple?.thisUpdate,
                policy: policy(of: entry.stored))
            fetched = await source.response(for: request, now: now)
        } else {
            fetched = StapleFetchOutcome(failures: [
                StapleFailure(
                    responderURL: nil, serialNumberHex: serial, code: "certificate-unreadable",
                    reason: "the stored DER of certificate \(id) no longer decodes")
            ])
        }
        let attempt = RefreshAttempt(fetched, serialNumberHex: serial)
        metrics.fetched(outcome: attempt.label)
        guard var current = entries[id], current.generation == generation else {
            return emit(
                RefreshEvent(
                    id: id, key: entry.key, serialNumberHex: serial, outcome: .superseded, fetchLabel: attempt.label,
                    message: "certificate replaced or removed during the fetch; answer dropped",
                    nextAttempt: nil, failures: attempt.failures))
        }
        let time = now()
        let key = current.key
        let change = current.state.apply(
            attempt.outcome, certificateNotAfter: current.stored.notValidAfter, policy: policy(of: current.stored),
            now: time, jitter: random(), provisional: provisional)
        entries[id] = current
        let outcome: RefreshEvent.Outcome
        var message = attempt.message
        switch change {
        case .publish(let staple):
            provider.set(staple, for: key)
            metrics.acceptedAge.record(time.timeIntervalSince(staple.thisUpdate))
            outcome = .replaced
            logger.debug(
                "Staple refreshed",
                metadata: [
                    "cert.id": "\(id)", "cert.serial": "\(serial)",
                    "staple.this_update": "\(staple.thisUpdate.iso8601)",
                    "staple.next_update": "\(staple.nextUpdate?.iso8601 ?? "none")",
                ])
            if let store {
                do throws(StoreError) {
                    try await store.saveOffThread(staple, for: key)
                } catch {
                    // Still served from memory; the next success writes again.
                    message += "; not persisted: \(error)"
                    logger.error(
                        "Staple served from memory, not persisted",
                        metadata: [
                            "cert.id": "\(id)", "cert.serial": "\(serial)", "staple.path": "\(error.path)",
                            "error.reason": "\(error)",
                        ])
                }
                // Removed or renewed while the file was written: the file must not outlive its certificate.
                // (The scan of every entry runs only then, never on the common path.)
                if entries[id]?.generation != generation, !entries.values.contains(where: { $0.key == key }) {
                    await store.removeOffThread(key)
                }
            }
        case .withdraw:
            provider.set(nil, for: key)
            await store?.removeOffThread(key)
            outcome = .revoked
            logger.critical(
                "Certificate REVOKED: staple withdrawn, never served",
                metadata: ["cert.id": "\(id)", "cert.serial": "\(serial)", "error.reason": "\(message)"])
        case .keep where attempt.outcome == .notNewer && current.state.failures == 0:
            // Nothing newer yet while the staple held is young: an answer, not a failure (EntryState).
            outcome = .notNewer
            logger.debug(
                "Nothing newer than the staple held",
                metadata: [
                    "cert.id": "\(id)", "cert.serial": "\(serial)", "staple.reason": "\(message)",
                    "staple.next_attempt": "\(current.state.nextAttempt?.iso8601 ?? "none")",
                ])
        case .keep:
            outcome = attempt.outcome == .notNewer ? .notNewer : .failed
            message +=
                current.state.isServable(at: time) ? "; the last good staple is still served" : "; no staple is served"
            logger.warning(
                "Staple refresh failed",
                metadata: [
                    "cert.id": "\(id)", "cert.serial": "\(serial)", "error.reason": "\(message)",
                    "staple.retry_at": "\(current.state.nextAttempt?.iso8601 ?? "none")",
                    "staple.failures": "\(current.state.failures)",
                ])
        }
        if var done = entries[id], done.generation == generation {
            let wasStartup = done.startup
            done.busy = false
            done.startup = false
            entries[id] = done
            scheduleNext(id, done.state)
            if wasStartup { startupAttemptFinished() }
        }
        return emit(
            RefreshEvent(
                id: id, key: key, serialNumberHex: serial, outcome: outcome, fetchLabel: attempt.label,
                message: message, nextAttempt: current.state.nextAttempt, failures: attempt.failures))
    }

    private func emit(_ event: RefreshEvent) -> RefreshEvent {
        onEvent?(event)
        return event
    }

    func updateGauges() {
        let time = now()
        var without = 0
        var oldest: TimeInterval = 0
        var least: TimeInterval?
        for entry in entries.values {
            guard let staple = entry.state.staple, staple.isServable(at: time) else {
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
