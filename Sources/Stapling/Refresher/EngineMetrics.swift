import Foundation
import Metrics

/// The engine's metrics (swift-metrics; the executable chooses the backend).
///
/// - `staple_fetches_total{outcome}`: fetches by outcome: good, not_newer, revoked, unknown,
///   no_status, rejected, responder_error, network.
/// - `staple_certificates`: certificates managed.
/// - `staple_certificates_without_valid_staple`: of those, how many have nothing servable now.
/// - `staple_oldest_age_seconds`: now − thisUpdate of the oldest servable staple.
/// - `staple_min_seconds_until_next_update`: the least time left before a servable staple's
///   serving end (nextUpdate, hold, or certificate expiry).
/// - `staple_age_seconds` (recorder): now − thisUpdate of each staple as it is accepted.
struct EngineMetrics: Sendable {
    let factory: any MetricsFactory
    let certificates: Gauge
    let withoutValidStaple: Gauge
    let oldestAge: Gauge
    let minimumUntilNextUpdate: Gauge
    let acceptedAge: Recorder
    let fetches: [String: Counter]

    static let outcomes = [
        "good", "not_newer", "revoked", "unknown", "no_status", "rejected", "responder_error", "network",
    ]

    init(factory: any MetricsFactory) {
        self.factory = factory
        certificates = Gauge(label: "staple_certificates", factory: factory)
        withoutValidStaple = Gauge(label: "staple_certificates_without_valid_staple", factory: factory)
        oldestAge = Gauge(label: "staple_oldest_age_seconds", factory: factory)
        minimumUntilNextUpdate = Gauge(label: "staple_min_seconds_until_next_update", factory: factory)
        acceptedAge = Recorder(label: "staple_age_seconds", factory: factory)
        fetches = Dictionary(
            uniqueKeysWithValues: Self.outcomes.map {
                ($0, Counter(label: "staple_fetches_total", dimensions: [("outcome", $0)], factory: factory))
            })
    }

    func fetched(outcome: String) {
        (fetches[outcome]
            ?? Counter(label: "staple_fetches_total", dimensions: [("outcome", outcome)], factory: factory))
            .increment()
    }
}
