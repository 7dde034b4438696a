import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import OCSPCore
import ServiceLifecycle
import Stapling

/// `staple run`: the staple engine (``StapleRefresher``) around a configuration's sites, and the
/// outputs each site's staple is installed in.
///
/// One ``ManagedCertificate`` per site (its id is the site's name), read from the chain file (and
/// `issuer:`), with the site's responder, refresh margin (a per-certificate ``RefreshPolicy``) and
/// fetch timeout (``FetchRouter``).
///
/// **Reconciling.** For each site, ``ReconcilePlan`` computes what should be installed now: the
/// engine's verified good staple for the certificate now in the chain file, while more than the
/// withdrawal margin of its validity is left, or nothing. Each output is asked only when that
/// differs from what it was last given. Reconciling runs after every engine event, after a renewal,
/// and on a timer (``reconcileInterval``), so that a staple about to expire with nothing newer is
/// withdrawn ``ReconcilePlan/defaultWithdrawalMargin`` before it expires. A revoked answer
/// withdraws at once, logged critical and counted. One site is reconciled by one task at a time.
///
/// **Renewal.** Certificate files are polled every `certificatePollInterval` (`stat`, then content,
/// ``SiteMaterial/poll()``). A changed certificate goes to the engine under the same id (its old
/// staple is withdrawn there, the new one is due at once), is reconciled at once (so the old staple
/// is withdrawn from the outputs too); its staple is installed as soon as it is good.
///
/// ``run()`` is the service (until graceful shutdown, then the outputs are flushed); ``pass()`` is
/// `--once`; ``renewed(path:)`` is `--renewed`; ``apply(_:)`` is SIGHUP; ``status()`` is `/status`.
package actor RunService: Service {
    package nonisolated let refresher: StapleRefresher
    /// Sites are reconciled at least this often (withdrawal before expiry depends on it).
    package nonisolated let reconcileInterval: Duration
    package nonisolated let withdrawalMargin: TimeInterval
    /// How long start-up waits for every site's first fetch before the first reconcile.
    package nonisolated let startupWait: Duration

    private let router: FetchRouter
    /// One nginx reloader per reload method, for every site of this service (SIGHUP's too).
    private let reloaders: NginxReloaders
    /// The engine's refresh policy (a site's `refresh_margin` aside).
    package nonisolated let basePolicy: RefreshPolicy
    private let logger: Logger
    private let metrics: RunMetrics
    private let now: @Sendable () -> Date
    private let events: EventLog
    private let eventStream: AsyncStream<String>
    private let healthy = NIOLockedValueBox(false)

    private var configuration: RunConfiguration
    private var sites: [String: SiteRuntime] = [:]
    private var order: [String] = []
    private var outputsGenerations = 0
    private var reconciling: Set<String> = []
    private var dirty: Set<String> = []

    /// Reads every site's certificate and makes its outputs and the engine; nothing is fetched or
    /// installed yet.
    ///
    /// - Parameters:
    ///   - policy: the engine's refresh policy; a site's `refresh_margin` replaces its safety margin.
    ///   - engineLongestSleep: the longest the engine sleeps with nothing due (see `StapleRefresher`).
    ///   - metricsFactory: nil for `MetricsSystem.factory`.
    ///   - now: the clock (engine, verification and reconciling).
    ///   - source: what the engine asks, given the per-site fetchers (``FetchRouter``); the identity by
    ///     default. A fleet node puts its shared store in front (`StapleFleet`'s `FleetResponseSource`).
    /// - Throws: ``RunError`` naming the site's file that cannot be used, or the state directory.
    package init(
        configuration: RunConfiguration, policy: RefreshPolicy = RefreshPolicy(),
        withdrawalMargin: TimeInterval = ReconcilePlan.defaultWithdrawalMargin,
        reconcileInterval: Duration = .seconds(5), startupWait: Duration = .seconds(10),
        engineLongestSleep: Duration = .seconds(10), metricsFactory: (any MetricsFactory)? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        source: (any ResponseSource) -> any ResponseSource = { $0 }, logger: Logger
    ) throws(RunError) {
        self.configuration = configuration
        self.basePolicy = policy
        self.withdrawalMargin = withdrawalMargin
        self.reconcileInterval = reconcileInterval
        self.startupWait = startupWait
        self.logger = logger
        self.now = now
        let factory = metricsFactory ?? MetricsSystem.factory
        let metrics = RunMetrics(factory: factory)
        self.metrics = metrics
        let reloaders = NginxReloaders(observer: metrics, logger: logger)
        self.reloaders = reloaders
        let router = FetchRouter(logger: logger)
        self.router = router
        var built: [String: SiteRuntime] = [:]
        var managed: [ManagedCertificate] = []
        var generation = 0
        for site in configuration.sites {
            generation += 1
            let runtime = try Self.makeRuntime(
                site, generation: generation, reloaders: reloaders, observer: metrics, logger: logger)
            built[site.name] = runtime
            router.route(runtime.material.key, timeout: site.timeout)
            managed.append(Self.managed(site, runtime.material, policy: policy))
        }
        outputsGenerations = generation
        sites = built
        order = configuration.sites.map(\.name)
        let store: StapleStore
        do {
            store = try StapleStore(directory: configuration.stateDirectory, logger: logger)
        } catch {
            throw RunError(.stateDirectory, subject: configuration.stateDirectory, reason: "\(error)")
        }
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(16_384))
        eventStream = stream
        let events = EventLog()
        self.events = events
        refresher = StapleRefresher(
            certificates: managed, source: source(router), store: store, policy: policy, longestSleep: engineLongestSleep,
            metricsFactory: factory, now: now, logger: logger,
            onEvent: { event in
                events.record(event, at: now())
                continuation.yield(event.id)
            })
        metrics.sites.record(order.count)
    }

    private static func makeRuntime(
        _ site: SiteConfiguration, generation: Int, reloaders: NginxReloaders, observer: any OutputObserver,
        logger: Logger
    ) throws(RunError) -> SiteRuntime {
        let material = try SiteMaterial.load(site)
        let outputs: [any StapleOutput]
        do {
            outputs = try OutputFactory.outputs(for: site, reloaders: reloaders, observer: observer, logger: logger)
        } catch {
            throw RunError(.output, subject: site.name, reason: "\(error)")
        }
        return SiteRuntime(configuration: site, material: material, outputs: outputs, outputsGeneration: generation)
    }

    private static func managed(
        _ site: SiteConfiguration, _ material: SiteMaterial, policy: RefreshPolicy
    ) -> ManagedCertificate {
        var sitePolicy: RefreshPolicy?
        if let margin = site.refreshMargin {
            sitePolicy = policy
            sitePolicy?.safetyMargin = margin
        }
        return ManagedCertificate(
            id: site.name, certificate: material.leaf, issuer: material.issuer,
            responderURLs: site.responder.map { [$0] }, policy: sitePolicy)
    }

    /// Whether the service is running and not stopping (`/healthz`).
    package nonisolated var isHealthy: Bool { healthy.withLockedValue { $0 } }

    /// The site names, in configuration order.
    package var siteNames: [String] { order }

    // MARK: The service

    /// Runs the engine, reconciles after each of its events and on the timer, polls certificate
    /// files, until graceful shutdown; then flushes every output (pending reloads are done) and
    /// closes the fetchers.
    package func run() async throws {
        healthy.withLockedValue { $0 = true }
        let refresher = self.refresher
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await refresher.run() }
            group.addTask { await self.serve() }
        }
        healthy.withLockedValue { $0 = false }
        await flushAll()
        for reloader in reloaders.all { await reloader.shutdown() }
        await router.shutdown()
        logger.info("staple run stopped", metadata: ["run.sites": "\(order.count)"])
    }

    private func serve() async {
        await waitForFirstAnswers()
        await reconcileAll()
        logger.info("staple run started", metadata: ["run.sites": "\(order.count)"])
        let events = eventStream
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await name in events { await self.reconcile(name) }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: self.reconcileInterval)
                        await self.reconcileAll()
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        let interval = await self.configuration.certificatePollInterval
                        try? await Task.sleep(for: .milliseconds(Int64(max(0.05, interval) * 1000)))
                        await self.pollCertificates()
                    }
                }
            }
        }
        healthy.withLockedValue { $0 = false }
    }

    /// Start-up: waits until every site has a staple loaded or one answer (at most ``startupWait``),
    /// so that the first reconcile does not withdraw what a fetch is about to replace.
    private func waitForFirstAnswers() async {
        let deadline = ContinuousClock.now + startupWait
        await refresher.loadFromStore()
        while ContinuousClock.now < deadline, !Task.isCancelled {
            var waiting = false
            for name in order where events.record(for: name) == nil {
                if await refresher.status(id: name)?.staple == nil {
                    waiting = true
                    break
                }
            }
            guard waiting else { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    // MARK: --once and --renewed

    /// `--once`: loads the store, fetches every site that is due (all of them without stored
    /// staples), reconciles, flushes the outputs, closes the fetchers and says what is installed.
    package func pass() async -> PassReport {
        await refresher.loadFromStore()
        _ = await refresher.refreshDue()
        await reconcileAll()
        await flushAll()
        await router.shutdown()
        return PassReport(await status())
    }

    /// `--renewed PATH`: fetches now for every site whose certificate (or issuer) file is `path`, or
    /// lies in the directory `path` (certbot's `$RENEWED_LINEAGE`), installs, flushes, and says what
    /// is installed for those sites.
    ///
    /// - Throws: ``RunError`` (``RunErrorCode/noSuchSite``) when no site uses `path`.
    package func renewed(path: String) async throws(RunError) -> PassReport {
        let names = sites(using: path)
        guard !names.isEmpty else {
            await router.shutdown()
            let known = order.compactMap { sites[$0]?.configuration.certificate }.joined(separator: ", ")
            throw RunError(
                .noSuchSite, subject: path,
                reason: "no site's certificate is this file or in this directory (sites: \(known))")
        }
        await refresher.loadFromStore()
        for name in names { _ = await refresher.refresh(id: name) }
        for name in names { await reconcile(name) }
        await flushAll()
        await router.shutdown()
        let report = await status()
        return PassReport(
            RunStatus(
                generatedAt: report.generatedAt, service: report.service,
                sites: report.sites.filter { names.contains($0.name) }))
    }

    /// The sites whose certificate or issuer file is `path`, or lies under the directory `path`
    /// (symlinks resolved on both sides).
    package func sites(using path: String) -> [String] {
        let target = Self.resolved(path)
        var isDirectory: ObjCBool = false
        let directory =
            FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) && isDirectory.boolValue
        return order.filter { name in
            guard let site = sites[name]?.configuration else { return false }
            return ([site.certificate] + (site.issuer.map { [$0] } ?? [])).contains { file in
                let resolvedFile = Self.resolved(file)
                if resolvedFile == target || file == path { return true }
                guard directory else { return false }
                let parent = (file as NSString).deletingLastPathComponent
                return Self.resolved(parent) == target || resolvedFile.hasPrefix(target + "/")
            }
        }
    }

    private static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }

    // MARK: SIGHUP

    /// What ``apply(_:)`` changed.
    package struct Changes: Sendable, Hashable {
        package var added: [String] = []
        package var removed: [String] = []
        package var changed: [String] = []
    }

    /// Takes a re-read configuration: sites added, removed and changed. Every new or changed site
    /// is read first; when one cannot be used nothing changes and the error is thrown.
    /// A removed site's outputs are left as they are (nginx refuses a reload whose staple file is
    /// gone). `state_directory` and `metrics_listen` are not changed by a reload.
    @discardableResult
    package func apply(_ new: RunConfiguration) async throws(RunError) -> Changes {
        var changes = Changes()
        var prepared: [String: SiteRuntime] = [:]
        var generation = outputsGenerations
        for site in new.sites {
            if let current = sites[site.name], current.configuration == site { continue }
            generation += 1
            prepared[site.name] = try Self.makeRuntime(
                site, generation: generation, reloaders: reloaders, observer: metrics, logger: logger)
        }
        outputsGenerations = generation
        if new.stateDirectory != configuration.stateDirectory || new.metricsListen != configuration.metricsListen
            || new.store != configuration.store || new.storePasswordFile != configuration.storePasswordFile
        {
            logger.warning("state_directory, metrics_listen, store and store_password_file change only at a restart")
        }
        let newNames = Set(new.sites.map(\.name))
        for name in order where !newNames.contains(name) {
            guard let old = sites.removeValue(forKey: name) else { continue }
            router.forget(old.material.key)
            events.forget(name)
            await refresher.remove(id: name)
            changes.removed.append(name)
            logger.notice("Site removed; its outputs are left as they are", metadata: ["run.site": "\(name)"])
        }
        for site in new.sites {
            guard let runtime = prepared[site.name] else { continue }
            if let old = sites[site.name] {
                router.forget(old.material.key)
                changes.changed.append(site.name)
            } else {
                changes.added.append(site.name)
            }
            sites[site.name] = runtime
            router.route(runtime.material.key, timeout: site.timeout)
            await refresher.upsert(Self.managed(site, runtime.material, policy: basePolicy))
        }
        var config = new
        config.stateDirectory = configuration.stateDirectory
        config.metricsListen = configuration.metricsListen
        config.store = configuration.store
        config.storePasswordFile = configuration.storePasswordFile
        configuration = config
        order = new.sites.map(\.name)
        metrics.sites.record(order.count)
        for name in changes.added + changes.changed { await reconcile(name) }
        logger.notice(
            "Configuration reloaded",
            metadata: [
                "run.added": "\(changes.added)", "run.removed": "\(changes.removed)",
                "run.changed": "\(changes.changed)",
            ])
        return changes
    }

    // MARK: Renewal

    /// Looks at every site's certificate files; a changed certificate is taken (see the type's doc).
    package func pollCertificates() async {
        for name in order {
            guard let site = sites[name] else { continue }
            switch site.material.poll() {
            case .same:
                continue
            case .touched(let stamps):
                sites[name]?.material.take(stamps)
            case .changed:
                do throws(RunError) {
                    let material = try SiteMaterial.load(site.configuration)
                    await take(material, for: name)
                } catch {
                    logger.warning(
                        "Certificate file changed but cannot be used yet; looking again at the next poll",
                        metadata: ["run.site": "\(name)", "error.reason": "\(error.message)"])
                }
            }
        }
    }

    private func take(_ material: SiteMaterial, for name: String) async {
        guard let old = sites[name] else { return }
        sites[name]?.material = material
        guard material.key != old.material.key || material.issuer != old.material.issuer else { return }
        if material.key != old.material.key {
            metrics.certificateChanges.increment()
            logger.notice(
                "Certificate changed: its old staple is withdrawn, one for the new certificate is fetched now",
                metadata: [
                    "run.site": "\(name)", "cert.serial": "\(material.serialNumberHex)",
                    "cert.previous_serial": "\(old.material.serialNumberHex)",
                ])
            router.forget(old.material.key)
            router.route(material.key, timeout: old.configuration.timeout)
        }
        // The new certificate is due at once: the engine fetches it as soon as a slot is free, and its event
        // reconciles the site again. Withdrawn now, so the old staple is never beside the new certificate.
        await refresher.upsert(Self.managed(old.configuration, material, policy: basePolicy))
        await reconcile(name)
    }

    // MARK: Reconciling

    /// Reconciles every site, then updates the per-site gauges.
    package func reconcileAll() async {
        for name in order { await reconcile(name) }
        updateGauges()
    }

    /// Reconciles one site; when it is being reconciled already, that run goes once more.
    package func reconcile(_ name: String) async {
        guard !reconciling.contains(name) else {
            dirty.insert(name)
            return
        }
        reconciling.insert(name)
        repeat {
            dirty.remove(name)
            await reconcileOnce(name)
        } while dirty.contains(name)
        reconciling.remove(name)
    }

    private func reconcileOnce(_ name: String) async {
        guard sites[name] != nil else { return }
        let engine = await refresher.status(id: name)
        guard var site = sites[name] else { return }
        let time = now()
        let target = ReconcilePlan.target(
            current: site.material.key, engine: engine, now: time, margin: withdrawalMargin)
        site.target = target
        if case .nothing(.revoked) = target {
            if !site.revocationReported {
                site.revocationReported = true
                metrics.revocations.increment()
                logger.critical(
                    "Certificate REVOKED: its staple is withdrawn from every output",
                    metadata: ["run.site": "\(name)", "cert.serial": "\(site.material.serialNumberHex)"])
            }
        } else {
            site.revocationReported = false
        }
        sites[name] = site
        let wanted: SiteRuntime.Installed = target.staple.map { .staple($0.bytes) } ?? .nothing
        let update = SiteStaple(
            site: name, certificate: site.material.leaf, issuer: site.material.issuer,
            chainHasIssuer: site.material.chainHasIssuer, staple: target.staple)
        for (index, output) in site.outputs.enumerated() where site.installed[index] != wanted {
            var record = OutputStatus(kind: output.kind, target: output.description, at: time)
            do {
                let outcome = try await output.install(update)
                switch outcome {
                case .installed: record.outcome = "installed"
                case .unchanged: record.outcome = "unchanged"
                case .withdrawn: record.outcome = "withdrawn"
                case .refused(let reason):
                    record.outcome = "refused"
                    record.detail = reason
                }
                log(outcome, output: output, site: name, target: target, serial: site.material.serialNumberHex)
            } catch {
                record.outcome = "failed"
                record.detail = "\(error)"
                logger.error(
                    "Output failed; retried at the next reconcile",
                    metadata: ["run.site": "\(name)", "run.output": "\(output.description)", "error": "\(error)"])
            }
            metrics.output(kind: output.kind, outcome: record.outcome ?? "failed")
            // Outputs replaced meanwhile (SIGHUP): this result belongs to the old ones.
            guard sites[name]?.outputsGeneration == site.outputsGeneration else { return }
            sites[name]?.records[index] = record
            if record.outcome != "failed" { sites[name]?.installed[index] = wanted }
        }
    }

    private func log(
        _ outcome: OutputOutcome, output: any StapleOutput, site: String, target: ReconcilePlan.Target, serial: String
    ) {
        var metadata: Logger.Metadata = [
            "run.site": "\(site)", "run.output": "\(output.description)", "cert.serial": "\(serial)",
        ]
        switch outcome {
        case .installed:
            if let staple = target.staple {
                metadata["staple.this_update"] = "\(staple.thisUpdate.iso8601)"
                metadata["staple.next_update"] = "\(staple.nextUpdate?.iso8601 ?? "none")"
            }
            logger.info("Staple installed", metadata: metadata)
        case .unchanged:
            logger.debug("Staple already in place", metadata: metadata)
        case .withdrawn:
            if case .nothing(let absence) = target { metadata["run.reason"] = "\(absence)" }
            logger.warning("Staple withdrawn: clients get none rather than a bad one", metadata: metadata)
        case .refused(let reason):
            metadata["run.reason"] = "\(reason)"
            logger.warning("Output refused the staple", metadata: metadata)
        }
    }

    /// Completes every output's deferred work (debounced reloads and their confirmation).
    package func flushAll() async {
        for name in order {
            for output in sites[name]?.outputs ?? [] {
                do {
                    try await output.flush()
                } catch {
                    logger.error(
                        "Output flush failed",
                        metadata: ["run.site": "\(name)", "run.output": "\(output.description)", "error": "\(error)"])
                }
            }
        }
    }

    private func updateGauges() {
        let time = now()
        var without = 0
        for name in order {
            guard let site = sites[name] else { continue }
            guard site.isStapled, let staple = site.target?.staple else {
                without += 1
                metrics.site(name, age: 0, untilNextUpdate: 0)
                continue
            }
            metrics.site(
                name, age: time.timeIntervalSince(staple.thisUpdate),
                untilNextUpdate: (staple.nextUpdate ?? staple.servingEnd).timeIntervalSince(time))
        }
        metrics.sites.record(order.count)
        metrics.sitesWithoutStaple.record(without)
    }

    // MARK: Status

    /// `/status`: one entry per site, in configuration order.
    package func status() async -> RunStatus {
        var entries: [SiteStatus] = []
        for name in order {
            guard sites[name] != nil else { continue }
            let engine = await refresher.status(id: name)
            guard let site = sites[name] else { continue }
            let current = engine?.key == site.material.key ? engine : nil
            let staple = current?.staple
            let record = events.record(for: name)
            entries.append(
                SiteStatus(
                    name: name, certificate: site.configuration.certificate, serial: site.material.serialNumberHex,
                    stapled: site.isStapled, problem: site.problem, thisUpdate: staple?.thisUpdate,
                    nextUpdate: staple?.nextUpdate,
                    installedUntil: site.target.flatMap { ReconcilePlan.deadline(of: $0, margin: withdrawalMargin) },
                    nextRefresh: current?.nextAttempt, lastUpdate: record?.at,
                    lastOutcome: record?.outcome ?? (staple != nil ? "loaded" : nil), lastFetch: record?.fetch,
                    lastMessage: record?.message, successes: record?.successes ?? 0, failures: record?.failures ?? 0,
                    revoked: current?.revoked ?? false, outputs: site.records))
        }
        return RunStatus(generatedAt: now(), service: "run", sites: entries)
    }
}
