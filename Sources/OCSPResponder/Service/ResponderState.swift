import Foundation
import NIOConcurrencyHelpers
import OCSPCore

/// The snapshot in service, shared by the HTTP front (reads) and the index watcher (swaps).
///
/// Requests read an immutable ``ResponderSnapshot`` under a lock and answer from it outside the
/// lock; the watcher builds the next snapshot on its own task and swaps it in whole.
package final class ResponderState: Sendable {
    private struct Shared {
        var snapshot: ResponderSnapshot
        /// Per CA: the index change not yet reflected in an answer (its mtime).
        var pendingChanges: [Int: Date] = [:]
        /// Responses signed for requests outside the pre-signed cache, until the next snapshot.
        var memo: [MemoKey: SignedAnswer] = [:]
        /// GET request-targets already answered, until the next snapshot: a repeated GET (what
        /// caches and stapling servers send) skips base64, DER decoding and the CertID lookup.
        var targets: [String: (authority: Int, answer: SignedAnswer)] = [:]
    }

    private struct MemoKey: Hashable {
        var authority: Int
        var certID: CertID
    }

    /// The most responses kept for serials not signed ahead; when full, the memo starts over.
    package static let memoCapacity = 10_000
    private let shared: NIOLockedValueBox<Shared>
    let metrics: ResponderMetrics
    private let clock: @Sendable () -> Date

    package init(
        snapshot: ResponderSnapshot, metrics: ResponderMetrics = ResponderMetrics(),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.shared = NIOLockedValueBox(Shared(snapshot: snapshot))
        self.metrics = metrics
        self.clock = clock
    }

    package var snapshot: ResponderSnapshot { shared.withLockedValue { $0.snapshot } }

    /// Puts `snapshot` in service; `changed` lists the CAs whose index changed (for the change-to-answer metric).
    package func publish(_ snapshot: ResponderSnapshot, changed: [Int: Date] = [:]) {
        shared.withLockedValue {
            $0.snapshot = snapshot
            $0.memo = [:]
            $0.targets = [:]
            $0.pendingChanges.merge(changed) { old, _ in old }
        }
    }

    /// Answers `request` from the snapshot in service, and counts it.
    package func answer(_ request: ResponderRequest) -> ResponderAnswer {
        let isGet = request.method == "GET"
        let (snapshot, pending, target) = shared.withLockedValue {
            ($0.snapshot, !$0.pendingChanges.isEmpty, isGet ? $0.targets[request.uri] : nil)
        }
        let now = clock()
        let refresh = snapshot.policy.refresh
        var answer: ResponderAnswer
        if let target, now < target.answer.thisUpdate.addingTimeInterval(refresh) {
            answer = RequestHandler.successful(
                target.answer, outcome: .cached, request: request, now: now, maximumAge: snapshot.policy.maximumAge)
            answer.authorityIndex = target.authority
        } else {
            answer = RequestHandler.answer(request, snapshot: snapshot, now: now) { authority, certID in
                let earlier = shared.withLockedValue { $0.memo[MemoKey(authority: authority, certID: certID)] }
                // As old as a pre-signed response may be, and no older.
                guard let earlier, now < earlier.thisUpdate.addingTimeInterval(refresh) else { return nil }
                return earlier
            }
            remember(answer, for: request, from: snapshot)
        }
        metrics.answered(method: request.method, answer)
        if pending, let index = answer.authorityIndex {
            let changedAt = shared.withLockedValue { $0.pendingChanges.removeValue(forKey: index) }
            if let changedAt {
                metrics.changeReflected(
                    after: now.timeIntervalSince(changedAt), authority: snapshot.authorities[index].authority.name)
            }
        }
        return answer
    }

    private func remember(_ answer: ResponderAnswer, for request: ResponderRequest, from snapshot: ResponderSnapshot) {
        let signedForMemo = answer.memoKey
        let target = request.method == "GET" ? answer.source : nil
        guard let authority = answer.authorityIndex, signedForMemo != nil || target != nil else { return }
        shared.withLockedValue { shared in
            // Only for the snapshot it was answered from: a reload in between may have changed the status.
            guard shared.snapshot.generation == snapshot.generation else { return }
            if let (certID, signed) = signedForMemo {
                if shared.memo.count >= Self.memoCapacity { shared.memo = [:] }
                shared.memo[MemoKey(authority: authority, certID: certID)] = signed
            }
            if let target {
                if shared.targets.count >= Self.memoCapacity { shared.targets = [:] }
                shared.targets[request.uri] = (authority, target)
            }
        }
    }
}
