import Foundation
import OCSPCore

/// One refresh's answer read for the refresher: the transition it causes, its metrics label and a
/// line for a person naming the responder, the certificate serial and the reason.
struct RefreshAttempt: Sendable {
    var outcome: EntryState.Outcome
    /// good, not_newer, revoked, unknown, no_status, rejected, responder_error, network.
    var label: String
    var message: String
    var failures: [StapleFailure]

    init(_ fetched: StapleFetchOutcome, serialNumberHex serial: String) {
        failures = fetched.failures
        let responder = fetched.responderURL ?? fetched.failures.last?.responderURL ?? "(none)"
        let subject = "responder \(responder), certificate serial \(serial)"
        guard let judgement = fetched.judgement else {
            outcome = .failed
            label = "network"
            message = fetched.failures.last?.description ?? "\(subject): no answer"
            return
        }
        switch judgement.acceptance {
        case .accepted(let staple):
            outcome = .accepted(staple)
            label = "good"
            message = "\(subject): good, thisUpdate \(staple.thisUpdate.iso8601)"
        case .pastServingEnd(_, let end):
            outcome = .failed
            label = "rejected"
            message = "\(subject): good but may be served only until \(end.iso8601)"
        case .notNewer(let candidate, let current):
            outcome = .notNewer
            label = "not_newer"
            message = "\(subject): good, but thisUpdate \(candidate.iso8601) is not newer than \(current.iso8601)"
        case .revoked:
            outcome = .revoked
            label = "revoked"
            message = "\(subject): \(judgement.verification.verdict.explanation)"
        case .notGood(let verdict):
            outcome = .failed
            label = fetched.label
            let reason = fetched.failures.last.map { "\($0.reason)" } ?? verdict.explanation
            message = "\(subject): \(verdict == .unknown ? verdict.explanation : reason)"
        }
    }
}
