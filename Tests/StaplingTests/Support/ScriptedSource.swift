import Foundation
import OCSPCore
import StapleTestSupport
import Synchronization
import Testing
import X509

@testable import Stapling

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let time: Mutex<Date>

    init(_ start: Date) { time = Mutex(start) }

    var now: Date { time.withLock { $0 } }
    func set(_ date: Date) { time.withLock { $0 = date } }
    func advance(by interval: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(interval) } }
    /// The closure the refresher reads.
    var read: @Sendable () -> Date { { self.now } }
}

/// A ``ResponseSource`` that gives scripted answers in order, judging each one exactly as
/// ``StapleFetch`` judges an answer from a single responder URL, at the refresher's clock.
final class ScriptedSource: ResponseSource {
    enum Answer: Sendable {
        /// No responder answered over HTTP.
        case unreachable
        /// The responder answered these bytes (any DER, signed or not).
        case response([UInt8])
    }

    static let url = "http://responder.scripted.test/"

    private let verifier = OCSPVerifier()
    private let state = Mutex<(answers: [Answer], requests: [StapleRequest])>(([], []))

    /// Queues answers for the next requests.
    func script(_ answers: Answer...) { state.withLock { $0.answers += answers } }

    /// Every request received, in order.
    var requests: [StapleRequest] { state.withLock { $0.requests } }
    /// Scripted answers not asked for yet.
    var unused: Int { state.withLock { $0.answers.count } }

    func response(for request: StapleRequest, now: @escaping @Sendable () -> Date) async -> StapleFetchOutcome {
        let answer: Answer? = state.withLock {
            $0.requests.append(request)
            return $0.answers.isEmpty ? nil : $0.answers.removeFirst()
        }
        let serial = request.serialNumberHex
        switch answer {
        case nil:
            Issue.record("the refresher asked for a response nobody scripted (serial \(serial))")
            return StapleFetchOutcome()
        case .unreachable:
            return StapleFetchOutcome(failures: [
                StapleFailure(
                    responderURL: Self.url, serialNumberHex: serial, code: "connection-failed",
                    reason: "connection refused (scripted)")
            ])
        case .response(let bytes):
            let judgement = StapleJudgement(
                response: bytes, certificate: request.certificate, issuer: request.issuer, verifier: verifier,
                currentThisUpdate: request.currentThisUpdate, policy: request.policy, now: now())
            let failure = StapleFailure(passingOn: judgement.verification.verdict, url: Self.url, serial: serial)
            return StapleFetchOutcome(
                judgement: judgement, responderURL: Self.url, failures: failure.map { [$0] } ?? [])
        }
    }
}

/// A whole second near the real time: certificates are issued around it and GeneralizedTime keeps whole seconds.
func wholeSecondNow() -> Date {
    Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
}

extension TestPKI {
    /// A good, revoked or unknown response for `leaf`, valid from `thisUpdate` for `validity` seconds
    /// (nil: no nextUpdate).
    func response(
        for leaf: TestPKI.Leaf, status: CertStatus = .good, thisUpdate: Date, validity: TimeInterval? = 3600
    ) throws -> [UInt8] {
        try signedResponse(
            for: leaf.certificate, status: status, thisUpdate: thisUpdate,
            nextUpdate: validity.map { thisUpdate.addingTimeInterval($0) })
    }

    /// A staple for `leaf`, judged at `now` as the refresher would (with nothing held).
    func staple(
        for leaf: TestPKI.Leaf, thisUpdate: Date, validity: TimeInterval? = 3600, now: Date,
        policy: RefreshPolicy = RefreshPolicy()
    ) throws -> Staple {
        let judgement = StapleJudgement(
            response: try response(for: leaf, thisUpdate: thisUpdate, validity: validity),
            certificate: leaf.certificate, issuer: ca, verifier: OCSPVerifier(), currentThisUpdate: nil,
            policy: policy, now: now)
        return try #require(judgement.acceptance.staple, "\(judgement.acceptance)")
    }
}

/// A ``ResponseSource`` that holds every request until the test releases one, and counts how many
/// are in flight at once. Each released request gets "unreachable".
final class GatedSource: ResponseSource {
    private struct State {
        var waiters: [CheckedContinuation<Void, Never>] = []
        var permits = 0
        var inFlight = 0
        var maximumInFlight = 0
    }

    private let state = Mutex(State())
    /// One element per request, as it arrives.
    let arrivals: AsyncStream<Void>
    private let arrived: AsyncStream<Void>.Continuation

    init() {
        (arrivals, arrived) = AsyncStream<Void>.makeStream()
    }

    var maximumInFlight: Int { state.withLock { $0.maximumInFlight } }

    /// Lets one held request (or the next to arrive) finish.
    func releaseOne() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock {
            if $0.waiters.isEmpty {
                $0.permits += 1
                return nil
            }
            return $0.waiters.removeFirst()
        }
        waiter?.resume()
    }

    func response(for request: StapleRequest, now: @escaping @Sendable () -> Date) async -> StapleFetchOutcome {
        state.withLock {
            $0.inFlight += 1
            $0.maximumInFlight = max($0.maximumInFlight, $0.inFlight)
        }
        arrived.yield()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let go: Bool = state.withLock {
                if $0.permits > 0 {
                    $0.permits -= 1
                    return true
                }
                $0.waiters.append(continuation)
                return false
            }
            if go { continuation.resume() }
        }
        state.withLock { $0.inFlight -= 1 }
        return StapleFetchOutcome(failures: [
            StapleFailure(
                responderURL: ScriptedSource.url, serialNumberHex: request.serialNumberHex, code: "connection-failed",
                reason: "connection refused (gated)")
        ])
    }
}
