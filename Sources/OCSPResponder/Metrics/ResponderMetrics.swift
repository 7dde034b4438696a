import Foundation
import Metrics

/// The responder's metrics, through swift-metrics (the executable exports them as Prometheus text).
///
/// - `ocsp_responder_requests_total{method, outcome}`: requests answered (``ResponderAnswer/Outcome``).
/// - `ocsp_responder_responses_signed_total{reason}`: signatures made, `presign` (ahead) or `request`.
/// - `ocsp_responder_cache_age_seconds{ca}`: age of the oldest pre-signed response of each CA.
/// - `ocsp_responder_index_reloads_total{ca, result}`: index readings after a change, `ok` or `failed`.
/// - `ocsp_responder_index_change_to_answer_seconds{ca}`: from an index change (the file's mtime)
///   to the first answer that reflects it.
package struct ResponderMetrics: Sendable {
    /// By method (GET, POST, other), then outcome.
    private let requests: [[ResponderAnswer.Outcome: Counter]]
    private let presigned: Counter
    private let requestSigned: Counter

    package static let methods = ["GET", "POST", "other"]

    package init() {
        requests = Self.methods.map { method in
            var byOutcome: [ResponderAnswer.Outcome: Counter] = [:]
            for outcome in ResponderAnswer.Outcome.allCases {
                byOutcome[outcome] = Counter(
                    label: "ocsp_responder_requests_total",
                    dimensions: [("method", method), ("outcome", outcome.rawValue)])
            }
            return byOutcome
        }
        presigned = Counter(label: "ocsp_responder_responses_signed_total", dimensions: [("reason", "presign")])
        requestSigned = Counter(label: "ocsp_responder_responses_signed_total", dimensions: [("reason", "request")])
    }

    func answered(method: String, _ answer: ResponderAnswer) {
        let position = method == "GET" ? 0 : method == "POST" ? 1 : 2
        requests[position][answer.outcome]?.increment()
        if answer.signed > 0 { requestSigned.increment(by: answer.signed) }
    }

    func presigned(_ count: Int) {
        if count > 0 { presigned.increment(by: count) }
    }

    func cacheAge(_ seconds: Double, authority: String) {
        Gauge(label: "ocsp_responder_cache_age_seconds", dimensions: [("ca", authority)]).record(seconds)
    }

    func reloaded(authority: String, ok: Bool) {
        Counter(
            label: "ocsp_responder_index_reloads_total",
            dimensions: [("ca", authority), ("result", ok ? "ok" : "failed")]
        )
        .increment()
    }

    func changeReflected(after seconds: Double, authority: String) {
        Metrics.Timer(label: "ocsp_responder_index_change_to_answer_seconds", dimensions: [("ca", authority)])
            .recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }
}
