import Metrics

/// The fleet's metrics (swift-metrics; the executable exports them):
///
/// - `staple_fleet_from_store_total`: staples installed from the store rather than fetched;
/// - `staple_fleet_fetches_total{mode}`: fetches from the responder by this node, `leased` (it held
///   the lease) or `alone` (the store unreachable, or a lease held too long by another node);
/// - `staple_fleet_lease_claims_total{result}`: claims `won` or `lost`;
/// - `staple_fleet_propagation_seconds`: from a write to its installation on this node (the row's
///   age in the database's clock when read for installation);
/// - `staple_fleet_rejected_rows_total`: rows whose response did not verify for their certificate;
/// - `staple_fleet_store_errors_total`: statements that failed (unreachable or refused);
/// - `staple_fleet_listener_connected`: 1 while the LISTEN connection is up.
package struct FleetMetrics: Sendable {
    package let fromStore: Counter
    package let fetchedLeased: Counter
    package let fetchedAlone: Counter
    package let claimsWon: Counter
    package let claimsLost: Counter
    package let propagation: Recorder
    package let rejectedRows: Counter
    package let storeErrors: Counter
    package let listenerConnected: Gauge

    package init(factory: any MetricsFactory = MetricsSystem.factory) {
        fromStore = Counter(label: "staple_fleet_from_store_total", factory: factory)
        fetchedLeased = Counter(label: "staple_fleet_fetches_total", dimensions: [("mode", "leased")], factory: factory)
        fetchedAlone = Counter(label: "staple_fleet_fetches_total", dimensions: [("mode", "alone")], factory: factory)
        claimsWon = Counter(label: "staple_fleet_lease_claims_total", dimensions: [("result", "won")], factory: factory)
        claimsLost = Counter(label: "staple_fleet_lease_claims_total", dimensions: [("result", "lost")], factory: factory)
        propagation = Recorder(label: "staple_fleet_propagation_seconds", factory: factory)
        rejectedRows = Counter(label: "staple_fleet_rejected_rows_total", factory: factory)
        storeErrors = Counter(label: "staple_fleet_store_errors_total", factory: factory)
        listenerConnected = Gauge(label: "staple_fleet_listener_connected", factory: factory)
    }
}
