import Foundation
import Logging
import Metrics
import NIOCore
import OCSPCore
import StapleFiles
import OCSPFetching
import ServiceLifecycle
import Stapling
import TLSStapling
import UnixSignals
import X509

/// What `staple serve` runs: the staple engine and the TLS proxy, composed.
public struct StapleServerConfiguration: Sendable {
    public var listen: StaplingProxy.Endpoint
    public var backend: StaplingProxy.Endpoint
    /// Chains (leaf first, then its issuer) and keys. The first is the default certificate.
    public var certificates: [TLSCertificateSource]
    /// Where staples persist across restarts; nil keeps them in memory only.
    public var stateDirectory: String?
    /// How long start-up waits for missing staples before accepting connections anyway.
    public var startupWait: Duration
    public var alpnProtocols: [String]
    public var handshakeTimeout: TimeAmount
    public var drainTimeout: TimeAmount
    /// Per-attempt deadline for OCSP fetches.
    public var fetchTimeout: TimeInterval
    /// When staples are refreshed and failures retried.
    public var policy: RefreshPolicy

    public init(
        listen: StaplingProxy.Endpoint, backend: StaplingProxy.Endpoint, certificates: [TLSCertificateSource],
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

/// A configuration `staple serve` cannot use, naming the file and the problem.
public struct ServeError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The engine (``StapleRefresher``) feeding the TLS proxy (``StaplingProxy``) through its snapshot.
///
/// ``prepare()`` loads persisted staples and fetches missing ones, for at most the start-up wait,
/// so that the first handshake is stapled. ``run()`` then serves until SIGTERM or SIGINT (drain,
/// then stop), reloading certificates and keys on SIGHUP.
///
/// A Must-Staple certificate without a valid staple is still served (clients that do not honour
/// Must-Staple keep working), logged at error level and counted in the gauge
/// `staple_must_staple_without_staple`.
public final class StapleServer: Sendable {
    public let configuration: StapleServerConfiguration
    public let refresher: StapleRefresher
    public let proxy: StaplingProxy
    private let fetcher: OCSPFetcher
    private let logger: Logger
    private let mustStapleGauge = Gauge(label: "staple_must_staple_without_staple")

    public init(configuration: StapleServerConfiguration, group: any EventLoopGroup, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let managed = try Self.managedCertificates(configuration.certificates)
        // Every file is checked before anything that needs an orderly shutdown (the HTTP client) exists.
        _ = try Self.tlsContext(configuration, provider: FixedStapleProvider())
        if let directory = configuration.stateDirectory {
            do {
                _ = try StapleStore(directory: directory, logger: logger)
            } catch {
                throw ServeError("state directory \(directory): \(error)")
            }
        }
        fetcher = OCSPFetcher(
            configuration: OCSPFetchConfiguration(attemptTimeout: configuration.fetchTimeout), logger: logger)
        let store: StapleStore?
        do {
            store = try configuration.stateDirectory.map { try StapleStore(directory: $0, logger: logger) }
        } catch {
            throw ServeError("state directory \(configuration.stateDirectory ?? ""): \(error)")
        }
        refresher = StapleRefresher(
            certificates: managed, fetch: StapleFetch(fetcher: fetcher, logger: logger), store: store,
            policy: configuration.policy, logger: logger
        )
        let context = try Self.tlsContext(configuration, provider: EngineStapleProvider(refresher.provider))
        proxy = StaplingProxy(
            listen: configuration.listen, backend: configuration.backend, context: context, group: group,
            drainTimeout: configuration.drainTimeout, logger: logger
        )
    }

    /// Loads persisted staples, then fetches what is missing or stale for at most the start-up wait.
    ///
    /// - Returns: the ids (chain paths) of certificates still without a staple.
    @discardableResult
    public func prepare() async -> [String] {
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

    /// Serves until SIGTERM/SIGINT, reloading certificates on SIGHUP; shuts the fetcher down at the end.
    public func run() async throws {
        let services: [any Service] = [refresher, proxy, HangupReloader(server: self, logger: logger)]
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
            )
        )
        do {
            try await group.run()
        } catch {
            try? await fetcher.shutdown()
            throw error
        }
        try? await fetcher.shutdown()
    }

    /// Re-reads every certificate and key: new handshakes use them; the engine follows renewals.
    public func reload() async throws {
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

    static func managedCertificates(_ sources: [TLSCertificateSource]) throws -> [ManagedCertificate] {
        try sources.map { source in
            let chain: [Certificate]
            do {
                chain = try InputFile.certificates(atPath: source.chainPath)
            } catch {
                throw ServeError("certificate chain \(error)")
            }
            guard let (leaf, issuer) = IssuerLookup.leafAndIssuer(chain: chain), let issuer else {
                throw ServeError(
                    "certificate chain \(source.chainPath): the issuer of \(chain.first?.subject.description ?? "the leaf") "
                        + "is not in the file; stapling needs the leaf followed by its issuer"
                )
            }
            return ManagedCertificate(id: source.chainPath, certificate: leaf, issuer: issuer)
        }
    }

    static func tlsContext(
        _ configuration: StapleServerConfiguration, provider: any StapleProvider
    ) throws -> OpenSSLServerContext {
        do {
            return try OpenSSLServerContext(
                configuration: TLSServerConfiguration(
                    certificates: configuration.certificates, alpnProtocols: configuration.alpnProtocols,
                    handshakeTimeout: configuration.handshakeTimeout
                ),
                provider: provider
            )
        } catch {
            throw ServeError("\(error)")
        }
    }
}

/// Reloads certificates and keys on SIGHUP, until graceful shutdown.
struct HangupReloader: Service {
    let server: StapleServer
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                do {
                    try await server.reload()
                } catch {
                    logger.error(
                        "Reload failed; still serving the previous certificates", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
