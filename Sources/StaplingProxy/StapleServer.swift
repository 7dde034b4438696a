import Foundation
import Logging
import Metrics
import NIOCore
import OCSPCore
import ServiceLifecycle
import StapleFiles
import Stapling
import TLSStapling
import X509

/// What `staple serve` runs: the staple engine and the TLS proxy, composed.
package struct StapleServerConfiguration: Sendable {
    package var listen: TLSProxy.Endpoint
    package var backend: TLSProxy.Endpoint
    /// Chains (leaf first, then its issuer) and keys. The first is the default certificate.
    package var certificates: [TLSCertificateSource]
    /// Where staples persist across restarts; nil keeps them in memory only.
    package var stateDirectory: String?
    /// How long start-up waits for missing staples before accepting connections anyway.
    package var startupWait: Duration
    package var alpnProtocols: [String]
    package var handshakeTimeout: TimeAmount
    package var drainTimeout: TimeAmount
    /// Per-attempt deadline for OCSP fetches.
    package var fetchTimeout: TimeInterval
    /// When staples are refreshed and failures retried.
    package var policy: RefreshPolicy

    package init(
        listen: TLSProxy.Endpoint, backend: TLSProxy.Endpoint, certificates: [TLSCertificateSource],
        stateDirectory: String? = nil, startupWait: Duration = .seconds(10), alpnProtocols: [String] = [],
        handshakeTimeout: TimeAmount = .seconds(10), drainTimeout: TimeAmount = .seconds(10),
        fetchTimeout: TimeInterval = 5,
        policy: RefreshPolicy = RefreshPolicy()
    ) {
        self.policy = policy
        self.listen = listen
        self.backend = backend
        self.certificates = certificates
        self.stateDirectory = stateDirectory
        self.startupWait = startupWait
        self.alpnProtocols = alpnProtocols
        self.handshakeTimeout = handshakeTimeout
        self.drainTimeout = drainTimeout
        self.fetchTimeout = fetchTimeout
    }
}

/// The engine (``StapleRefresher``) feeding the TLS proxy (``TLSProxy``) through its snapshot,
/// built once from a ``StapleServerConfiguration``.
///
/// ``prepare()`` loads persisted staples and fetches missing ones, for at most the start-up wait,
/// so that the first handshake is stapled. The executable then runs ``services`` in a
/// `ServiceGroup` (graceful shutdown drains the proxy) and calls ``reload()`` on SIGHUP.
///
/// A Must-Staple certificate without a valid staple is still served (clients that do not honour
/// Must-Staple keep working), logged at error level and counted in the gauge
/// `staple_must_staple_without_staple`.
package final class StapleServer: Sendable {
    package let configuration: StapleServerConfiguration
    package let refresher: StapleRefresher
    package let proxy: TLSProxy
    private let logger: Logger
    private let mustStapleGauge: Gauge

    /// Reads every certificate, key and the state directory, and builds the engine and the proxy.
    ///
    /// - Parameters:
    ///   - fetch: how the engine fetches responses; its fetcher is the caller's to shut down.
    ///   - source: where the engine gets responses instead of `fetch` itself (a fleet's shared store in
    ///     front of it); nil for `fetch`.
    ///   - metricsFactory: where the engine's and the server's metrics go; nil for `MetricsSystem.factory`.
    /// - Throws: ``ServeError`` naming the file that cannot be used and why.
    package init(
        configuration: StapleServerConfiguration, fetch: StapleFetch, source: (any ResponseSource)? = nil,
        group: any EventLoopGroup, metricsFactory: (any MetricsFactory)? = nil, logger: Logger
    ) throws(ServeError) {
        self.configuration = configuration
        self.logger = logger
        let metricsFactory = metricsFactory ?? MetricsSystem.factory
        mustStapleGauge = Gauge(label: "staple_must_staple_without_staple", factory: metricsFactory)
        let managed = try Self.managedCertificates(configuration.certificates)
        let store: StapleStore?
        do {
            store = try configuration.stateDirectory.map { try StapleStore(directory: $0, logger: logger) }
        } catch {
            throw ServeError(.stateDirectory, "state directory \(error)")
        }
        refresher = StapleRefresher(
            certificates: managed, source: source ?? fetch, verifier: fetch.verifier, store: store,
            policy: configuration.policy, metricsFactory: metricsFactory, logger: logger
        )
        let context = try Self.tlsContext(configuration, provider: EngineStapleProvider(refresher.provider))
        proxy = TLSProxy(
            listen: configuration.listen, backend: configuration.backend, context: context, group: group,
            drainTimeout: configuration.drainTimeout, logger: logger
        )
    }

    /// What to run until graceful shutdown: the engine and the proxy.
    package var services: [any Service] { [refresher, proxy] }

    /// Loads persisted staples, then fetches what is missing or stale for at most the start-up wait.
    ///
    /// - Returns: the ids (chain paths) of certificates still without a staple.
    @discardableResult
    package func prepare() async -> [String] {
        await refresher.loadFromStore()
        let refresher = self.refresher
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = await refresher.refreshDue() }
            group.addTask { [wait = configuration.startupWait] in try? await Task.sleep(for: wait) }
            await group.next()
            group.cancelAll()
        }
        return await reportUnstapled()
    }

    /// Re-reads every certificate and key: new handshakes use them; the engine follows renewals.
    ///
    /// - Throws: ``ServeError`` when a file cannot be used; the previous certificates stay in use.
    package func reload() async throws(ServeError) {
        let managed = try Self.managedCertificates(configuration.certificates)
        let context = try Self.tlsContext(configuration, provider: EngineStapleProvider(refresher.provider))
        for certificate in managed { await refresher.upsert(certificate) }
        proxy.reload(context)
        logger.info("Reloaded certificates and keys", metadata: ["proxy.certificates": "\(managed.count)"])
        _ = await refresher.refreshDue()
        await reportUnstapled()
    }

    @discardableResult
    private func reportUnstapled() async -> [String] {
        let snapshot = refresher.provider
        var missing: [String] = []
        var mustStapleMissing = 0
        let now = Date()
        for source in configuration.certificates {
            guard let leaf = try? InputFile.certificates(atPath: source.chainPath).first else { continue }
            guard snapshot.staple(for: leaf, at: now) == nil else { continue }
            missing.append(source.chainPath)
            if leaf.isMustStaple {
                mustStapleMissing += 1
                logger.error(
                    "Must-Staple certificate has no valid staple: clients that honour Must-Staple will refuse it",
                    metadata: [
                        "cert.serial": "\(leaf.serialNumber.bytes.hexString)", "cert.file": "\(source.chainPath)",
                    ]
                )
            } else {
                logger.warning(
                    "No valid staple yet",
                    metadata: [
                        "cert.serial": "\(leaf.serialNumber.bytes.hexString)", "cert.file": "\(source.chainPath)",
                    ])
            }
        }
        mustStapleGauge.record(mustStapleMissing)
        return missing
    }

    static func managedCertificates(_ sources: [TLSCertificateSource]) throws(ServeError) -> [ManagedCertificate] {
        try sources.map { source throws(ServeError) in
            let chain: [Certificate]
            do {
                chain = try InputFile.certificates(atPath: source.chainPath)
            } catch {
                throw ServeError(.certificateChain, "certificate chain \(error)")
            }
            guard let (leaf, issuer) = IssuerLookup.leafAndIssuer(chain: chain), let issuer else {
                throw ServeError(
                    .certificateChain,
                    "certificate chain \(source.chainPath): the issuer of \(chain.first?.subject.description ?? "the leaf") "
                        + "is not in the file; stapling needs the leaf followed by its issuer"
                )
            }
            return ManagedCertificate(id: source.chainPath, certificate: leaf, issuer: issuer)
        }
    }

    static func tlsContext(
        _ configuration: StapleServerConfiguration, provider: any StapleProvider
    ) throws(ServeError) -> OpenSSLServerContext {
        do {
            return try OpenSSLServerContext(
                configuration: TLSServerConfiguration(
                    certificates: configuration.certificates, alpnProtocols: configuration.alpnProtocols,
                    handshakeTimeout: configuration.handshakeTimeout
                ),
                provider: provider
            )
        } catch {
            throw ServeError(.tlsConfiguration, "\(error)")
        }
    }
}
