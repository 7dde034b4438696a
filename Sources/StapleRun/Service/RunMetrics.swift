import Foundation
import Metrics

/// `staple run`'s own metrics (swift-metrics; the executable exports them as Prometheus text),
/// beside the engine's `staple_fetches_total{outcome}` and `staple_certificates*`.
///
/// - `staple_run_sites`: sites managed.
/// - `staple_run_sites_without_valid_staple`: sites with no good staple installed now.
/// - `staple_run_staple_age_seconds{site}`: now − thisUpdate of the staple installed (0: none).
/// - `staple_run_staple_seconds_until_next_update{site}`: nextUpdate (or serving end) − now of the
///   staple installed (0: none).
/// - `staple_run_installs_total{output,outcome}`: what outputs did when asked: installed, unchanged,
///   withdrawn, refused, failed.
/// - `staple_run_reloads_total{outcome}`: nginx reload cycles (one per debounced batch, and per
///   retry): confirmed, reloaded (nothing to confirm), unconfirmed, failed (``ReloadOutcome``).
/// - `staple_run_pushes_total{outcome}`: `set ssl ocsp-response` over HAProxy's runtime API:
///   updated, refused (HAProxy's answer was another), failed (not reachable) (``PushOutcome``).
/// - `staple_run_revocations_total`: revoked answers that withdrew a site's staple.
/// - `staple_run_certificate_changes_total`: renewals seen (a chain file whose certificate changed).
struct RunMetrics: OutputObserver {
    let factory: any MetricsFactory
    let sites: Gauge
    let sitesWithoutStaple: Gauge
    let revocations: Counter
    let certificateChanges: Counter

    init(factory: any MetricsFactory) {
        self.factory = factory
        sites = Gauge(label: "staple_run_sites", factory: factory)
        sitesWithoutStaple = Gauge(label: "staple_run_sites_without_valid_staple", factory: factory)
        revocations = Counter(label: "staple_run_revocations_total", factory: factory)
        certificateChanges = Counter(label: "staple_run_certificate_changes_total", factory: factory)
    }

    func output(kind: String, outcome: String) {
        Counter(
            label: "staple_run_installs_total", dimensions: [("output", kind), ("outcome", outcome)], factory: factory
        )
        .increment()
    }

    func reloaded(_ outcome: ReloadOutcome) {
        Counter(label: "staple_run_reloads_total", dimensions: [("outcome", outcome.rawValue)], factory: factory)
            .increment()
    }

    func pushed(_ outcome: PushOutcome) {
        Counter(label: "staple_run_pushes_total", dimensions: [("outcome", outcome.rawValue)], factory: factory)
            .increment()
    }

    func site(_ name: String, age: TimeInterval, untilNextUpdate: TimeInterval) {
        Gauge(label: "staple_run_staple_age_seconds", dimensions: [("site", name)], factory: factory).record(age)
        Gauge(label: "staple_run_staple_seconds_until_next_update", dimensions: [("site", name)], factory: factory)
            .record(untilNextUpdate)
    }
}
