import Foundation
import Logging
import OCSPCore
import PostgresNIO
import ServiceLifecycle
import Stapling

/// The node's dedicated LISTEN connection, a swift-service-lifecycle `Service`.
///
/// On every connect: LISTEN first, then catch up (every row written since the last catch-up, less
/// an overlap; every row on the first connect), then write the staples fetched while the store was
/// unreachable, then consume notifications. A catch-up query also runs every
/// ``FleetConfiguration/catchUpInterval``, which bounds what a lost notification costs. A lost
/// connection is reopened after ``ReconnectBackoff`` delays; meanwhile the node serves its own cache.
///
/// For each new version of a row whose certificate the engine manages, the listener reads the row
/// and verifies it itself (``StapleJudgement``, against the staple the engine holds): a verified newer
/// staple is announced to the ``FleetResponseSource`` and the engine is asked to refresh that id now,
/// so it installs the row (verifying it again, as any answer); a row that does not verify is
/// reported and never installed, and the engine's schedule is left alone.
package struct StoreListener: Service {
    private let configuration: FleetConfiguration
    private let store: any SharedStapleStore
    private let hub: UpdateHub
    private let engine: any FleetEngine
    private let verifier: OCSPVerifier
    private let policy: RefreshPolicy
    private let metrics: FleetMetrics
    private let logger: Logger
    private let backoff: ReconnectBackoff
    private let prepareStore: @Sendable () async throws(FleetError) -> Void
    private let state = ListenerState()

    /// What the listener remembers across connections.
    private actor ListenerState {
        /// The database's time at the start of the last catch-up that succeeded.
        var since: Date?
        /// Rejected row versions already reported.
        var rejected: Set<StoreUpdate> = []

        func caughtUp(at time: Date) { since = time }
        /// Whether `update` is reported for the first time.
        func firstRejection(_ update: StoreUpdate) -> Bool { rejected.insert(update).inserted }
    }

    package init(
        configuration: FleetConfiguration, store: any SharedStapleStore, hub: UpdateHub, engine: any FleetEngine,
        verifier: OCSPVerifier = OCSPVerifier(), policy: RefreshPolicy, metrics: FleetMetrics,
        prepareStore: @escaping @Sendable () async throws(FleetError) -> Void = {}, logger: Logger
    ) {
        self.prepareStore = prepareStore
        self.configuration = configuration
        self.store = store
        self.hub = hub
        self.engine = engine
        self.verifier = verifier
        self.policy = policy
        self.metrics = metrics
        self.logger = logger
        backoff = ReconnectBackoff(base: configuration.reconnectBase, cap: configuration.reconnectCap)
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.loop()
        }
        metrics.listenerConnected.record(0)
        await hub.setListening(false)
    }

    private struct ListenEnded: Error, CustomStringConvertible {
        var description: String { "the LISTEN connection closed" }
    }

    private func loop() async {
        var attempt = 0
        let postgres: PostgresConnection.Configuration
        do {
            postgres = try configuration.connectionConfiguration(role: "listen")
        } catch {
            logger.error("Store listener cannot start", metadata: ["error.reason": "\(error)"])
            return
        }
        var ids = 0
        while !Task.isCancelled {
            ids += 1
            do {
                try await prepareStore()
                let connection = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(), configuration: postgres, id: ids, logger: StoreConnection.driverLogger(logger))
                // Closed before it is released, whatever happens (postgres-nio asserts that).
                do {
                    try await connection.listen(on: StoreSchema.channel) { notifications in
                        metrics.listenerConnected.record(1)
                        await hub.setListening(true)
                        logger.info(
                            "Listening for staple updates",
                            metadata: ["store.url": "\(configuration.url)", "store.channel": "\(StoreSchema.channel)"])
                        try await catchUp()
                        attempt = 0
                        await flushPending()
                        try await consume(notifications)
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                if Task.isCancelled { break }
                metrics.listenerConnected.record(0)
                await hub.setListening(false)
                attempt += 1
                let delay = backoff.delay(attempt: attempt)
                logger.warning(
                    "Store listener disconnected: the node serves its cache and reconnects",
                    metadata: [
                        "error.reason": "\(StoreConnection.describe(error))", "store.retry_seconds": "\(delay)",
                    ])
                try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
            }
        }
    }

    /// How many notifications are handled at the same time.
    static let concurrentNotifications = 16

    /// Notifications as they come, and a catch-up every interval, until the connection fails.
    private func consume(_ notifications: PostgresNotificationSequence) async throws {
        let interval = configuration.catchUpInterval
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Up to `concurrentNotifications` handled at once: each waits for a row read and for the
                // engine's install (its state-directory write is two fsyncs), and one at a time a busy
                // fleet's notifications queued behind each other for seconds.
                try await withThrowingTaskGroup(of: Void.self) { handling in
                    var inFlight = 0
                    for try await notification in notifications {
                        guard let update = StoreUpdate(payload: notification.payload) else {
                            self.logger.warning(
                                "Ignoring a malformed store notification",
                                metadata: ["store.payload": "\(notification.payload.prefix(200))"])
                            continue
                        }
                        if inFlight == Self.concurrentNotifications {
                            try await handling.next()
                            inFlight -= 1
                        }
                        handling.addTask { try await self.handle([update]) }
                        inFlight += 1
                    }
                    try await handling.waitForAll()
                }
                throw ListenEnded()
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
                    try await self.catchUp()
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Reads the rows written since the last catch-up and handles the new ones.
    package func catchUp() async throws {
        let (updates, now) = try await store.changes(since: await state.since)
        try await handle(updates)
        await state.caughtUp(at: now)
        await hub.caughtUp(at: Date())
        logger.debug("Store catch-up", metadata: ["store.rows": "\(updates.count)"])
    }

    /// Writes what was fetched while the store was unreachable (monotonic: an older one changes nothing).
    private func flushPending() async {
        for (key, write) in await hub.takePending() {
            do {
                if let version = try await store.write(
                    write.staple, key: key, serial: write.serial, refreshAt: write.refreshAt,
                    owner: configuration.nodeName, replacingInvalid: nil)
                {
                    await hub.observe(key, version: version)
                }
            } catch {
                await hub.addPending(write, for: key)
                logger.warning(
                    "Pending staple not written", metadata: ["cert.key": "\(key)", "error.reason": "\(error)"])
            }
        }
    }

    /// Verifies and announces the new ones among `updates` for the certificates the engine manages.
    private func handle(_ updates: [StoreUpdate]) async throws {
        let fresh = await hub.newUpdates(updates)
        guard !fresh.isEmpty else { return }
        let targets = await engine.targets(for: Set(fresh.map(\.key)))
        for update in fresh {
            guard let forKey = targets[update.key], !forKey.isEmpty else {
                await hub.observe(update.key, version: update.version)
                continue
            }
            // A catch-up row not newer than every staple held needs no read.
            if let thisUpdate = update.thisUpdate,
                forKey.allSatisfy({ ($0.staple?.thisUpdate).map { thisUpdate <= $0 } ?? false })
            {
                await hub.observe(update.key, version: update.version)
                continue
            }
            let row: StapleRow?
            do {
                row = try await store.read(update.key)
            } catch {
                metrics.storeErrors.increment()
                throw error
            }
            guard let row, let bytes = row.response else { continue }
            var install: [String] = []
            for target in forKey {
                let judgement = StapleJudgement(
                    response: bytes, certificate: target.managed.certificate, issuer: target.managed.issuer,
                    verifier: verifier, currentThisUpdate: target.staple?.thisUpdate, policy: policy, now: Date())
                switch judgement.acceptance {
                case .accepted:
                    install.append(target.id)
                case .notNewer:
                    break
                case .revoked, .pastServingEnd, .notGood:
                    let seen = StoreUpdate(key: row.key, version: row.version)
                    if await state.firstRejection(seen) {
                        RejectedRow.report(
                            row, judgement, serial: target.managed.serialNumberHex, metrics: metrics, logger: logger)
                    }
                }
            }
            await hub.observe(update.key, version: row.version)
            for id in install {
                await hub.announce(row)
                // A refresh of it already running read the row before the mark: the mark would
                // otherwise wait for the next scheduled refresh and make it install instead of fetch.
                if await !engine.refreshNow(id: id) { _ = await hub.takeAnnouncement(update.key) }
            }
        }
    }
}

/// How swift-service-lifecycle names the service in its logs: the store and the node, never the password.
extension StoreListener: CustomStringConvertible {
    package var description: String { "StoreListener(\(configuration.url), node \(configuration.nodeName))" }
}
