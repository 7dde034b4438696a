import Foundation
import Logging
import ServiceLifecycle
import StapleFleet
import StapleRun
import Stapling

/// What `staple serve --store` and `staple run`'s `store:` compose from one fleet node, written
/// once for both: the schema at start, the engine's response source behind the shared store, the
/// LISTEN service, the store's entry in `/status`, and closing the connection at exit. Without a
/// store each piece is the identity or nothing, so the commands compose it unconditionally.
///
/// Made after the metrics system is bootstrapped (the node's counters take the factory then).
struct FleetWiring: Sendable {
    let node: FleetNode?

    /// - Throws: ``FleetError`` `tls` when `sslmode`'s TLS context cannot be built (unusable input).
    init(configuration: FleetConfiguration?, logger: Logger) throws(FleetError) {
        node = try configuration.map { configuration throws(FleetError) in
            try FleetNode(configuration: configuration, logger: logger)
        }
    }

    /// Creates or migrates the schema; PostgreSQL down is logged, not fatal (the node serves its cache).
    ///
    /// - Throws: ``FleetError`` `untrusted` when TLS refuses the server's certificate: the command
    ///   exits 3 (could not reach what it needs), naming the host.
    func prepare() async throws(FleetError) {
        try await node?.prepare()
    }

    /// The engine's response source: `inner` behind the store, or `inner` itself without one.
    func source(wrapping inner: any ResponseSource) -> any ResponseSource {
        node.map { $0.source(wrapping: inner) } ?? inner
    }

    /// The store's LISTEN service for `engine` (none without a store).
    func services(engine: StapleRefresher, policy: RefreshPolicy) -> [any Service] {
        node.map { [$0.listener(engine: engine, policy: policy)] } ?? []
    }

    /// The store's entry in `/status` (nil without a store).
    func status() async -> StoreStatus? {
        guard let node else { return nil }
        return StoreStatus(
            url: node.configuration.url.description, node: node.configuration.nodeName,
            listening: await node.hub.listening, lastCatchUp: await node.hub.lastCatchUp)
    }

    /// Closes the query connection (the listener closes its own when it stops).
    func close() async {
        await node?.connection.close()
    }
}
