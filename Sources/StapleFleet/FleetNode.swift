import Foundation
import Logging
import OCSPCore
import ServiceLifecycle
import Stapling

/// One node of a fleet: the pieces that share a staple store, built from a ``FleetConfiguration``.
///
/// Composition (what `staple serve --store` and `staple run`'s `store:` do):
///
/// ```swift
/// let node = try FleetNode(configuration: configuration, logger: logger)
/// try await node.prepare()                               // schema; logged, not fatal, when down
/// let source = node.source(wrapping: StapleFetch(...))   // the engine's ResponseSource
/// let refresher = StapleRefresher(..., source: source, ...)
/// services += [node.listener(engine: refresher, policy: policy)]
/// ```
///
/// It opens at most two connections: one for queries, one that LISTENs.
package struct FleetNode: Sendable {
    package let configuration: FleetConfiguration
    package let hub = UpdateHub()
    package let connection: StoreConnection
    package let store: StoreQueries
    package let metrics: FleetMetrics
    private let logger: Logger

    /// - Throws: ``FleetError`` `tls` when `sslmode`'s TLS context cannot be built.
    package init(configuration: FleetConfiguration, metrics: FleetMetrics = FleetMetrics(), logger: Logger)
        throws(FleetError)
    {
        var logger = logger
        logger[metadataKey: "store.node"] = "\(configuration.nodeName)"
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        connection = try StoreConnection(configuration: configuration, role: "queries", logger: logger)
        store = StoreQueries(connection: connection, logger: logger)
    }

    /// Creates or migrates the schema. PostgreSQL unreachable is logged, not fatal: the node serves its
    /// cache, fetches for itself, and the listener migrates once it connects.
    ///
    /// - Returns: whether the schema is ready.
    /// - Throws: ``FleetError`` `untrusted` when TLS refuses the server's certificate at start
    ///   (`sslmode=verify-ca`/`verify-full`): a configuration to fix, which waiting would not cure.
    ///   Later (a certificate changed while running) the listener logs it and reconnects, as for an outage.
    @discardableResult
    package func prepare() async throws(FleetError) -> Bool {
        do {
            try await StoreSchema.migrate(connection, logger: logger)
            return true
        } catch where error.code == .untrusted {
            metrics.storeErrors.increment()
            throw error
        } catch {
            metrics.storeErrors.increment()
            logger.warning(
                "Staple store not ready: serving the local cache and fetching without the store until it is",
                metadata: ["store.url": "\(configuration.url)", "error.reason": "\(error)"])
            return false
        }
    }

    /// The engine's response source: `inner` (``StapleFetch``) behind the shared store.
    package func source(wrapping inner: any ResponseSource, verifier: OCSPVerifier = OCSPVerifier())
        -> FleetResponseSource
    {
        FleetResponseSource(
            inner: inner, store: store, hub: hub, owner: configuration.nodeName,
            leaseDuration: configuration.leaseDuration, verifier: verifier, metrics: metrics, logger: logger)
    }

    /// The LISTEN service for `engine`; it migrates the schema before each LISTEN (idempotent).
    package func listener(engine: any FleetEngine, policy: RefreshPolicy, verifier: OCSPVerifier = OCSPVerifier())
        -> StoreListener
    {
        StoreListener(
            configuration: configuration, store: store, hub: hub, engine: engine, verifier: verifier, policy: policy,
            metrics: metrics, prepareStore: { [connection, logger] () async throws(FleetError) in
                try await StoreSchema.migrate(connection, logger: logger)
            }, logger: logger)
    }
}
