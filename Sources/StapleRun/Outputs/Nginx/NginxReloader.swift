import Foundation
import Logging

/// What one site expects nginx to staple after the next reload.
package struct ReloadExpectation: Sendable, Hashable {
    package var site: String
    /// Where to confirm it; nil: the reload is not confirmed for this site.
    package var target: ConfirmTarget?
    /// The bytes the site's handshake must carry; nil: no staple at all (withdrawn).
    package var staple: [UInt8]?

    package init(site: String, target: ConfirmTarget?, staple: [UInt8]?) {
        self.site = site
        self.target = target
        self.staple = staple
    }
}

/// Retries after a failed reload: `base × 2^(failures − 1)`, at most `cap`.
package struct ReloadBackoff: Sendable, Hashable {
    package var base: Duration
    package var cap: Duration

    /// Five seconds, doubling to five minutes: a broken reload is retried often at first, then rarely.
    package static let `default` = ReloadBackoff(base: .seconds(5), cap: .seconds(300))

    package init(base: Duration, cap: Duration) {
        self.base = base
        self.cap = cap
    }

    /// The pause after the `failures`-th failure in a row (1 for the first).
    package func delay(afterFailures failures: Int) -> Duration {
        let factor = 1 << min(max(failures - 1, 0), 20)
        return min(base * factor, cap)
    }
}

/// One nginx reload method (a command, or a pid file), shared by every site it reloads: staple
/// changes within ``debounce`` of each other cause one reload, which is then confirmed site by site.
///
/// Requests only come for changed staple files (``NginxOutput`` compares the bytes first). A reload
/// that fails (the command exits non-zero, the pid file is unusable, or a site's handshake does not
/// carry what was installed) is logged with what nginx said and retried after ``ReloadBackoff``;
/// ``flush()`` does the pending reload now and throws its failure. The staple files are never
/// touched here: a failed reload leaves them as written.
///
/// - Important: the debounce and retry timers are tasks this actor owns and cancels (``shutdown()``).
package actor NginxReloader {
    package nonisolated let signal: ReloadSignal
    package let debounce: Duration
    package let backoff: ReloadBackoff
    package let confirmation: StapleConfirmation
    private let observer: (any OutputObserver)?
    private let logger: Logger

    /// Two seconds: certbot renews several certificates within a second or two.
    package static let defaultDebounce: Duration = .seconds(2)

    private var pending: [String: ReloadExpectation] = [:]
    private var timer: Task<Void, Never>?
    /// Whether a reload cycle is under way; others wait in ``waiters`` (one cycle at a time).
    private var cycling = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var expiries: [String: Task<Void, Never>] = [:]
    private var consecutiveFailures = 0
    private var stopped = false

    /// Times the reload was performed (command run or SIGHUP sent), successful or not.
    package private(set) var reloadCount = 0
    /// Reloads that succeeded and were confirmed for every site that asked.
    package private(set) var confirmedCount = 0
    /// The last failure, until a reload succeeds.
    package private(set) var lastFailure: OutputError?

    package init(
        signal: ReloadSignal, debounce: Duration = NginxReloader.defaultDebounce, backoff: ReloadBackoff = .default,
        confirmation: StapleConfirmation = StapleConfirmation(), observer: (any OutputObserver)? = nil,
        logger: Logger
    ) {
        self.signal = signal
        self.debounce = debounce
        self.backoff = backoff
        self.confirmation = confirmation
        self.observer = observer
        self.logger = logger
    }

    /// Whether a reload is waiting (debounced, or to be retried).
    package var hasPending: Bool { !pending.isEmpty }

    /// Asks for a reload after which `expectation` holds; a later request for the same site replaces it.
    package func request(_ expectation: ReloadExpectation) {
        guard !stopped else { return }
        pending[expectation.site] = expectation
        if timer == nil, !cycling { arm(after: debounce) }
    }

    /// Performs the pending reload now (waiting for one under way first) and confirms it.
    ///
    /// - Throws: the ``OutputError`` of a failed reload or confirmation; the reload stays pending and
    ///   is retried with backoff.
    package func flush() async throws(OutputError) {
        timer?.cancel()
        timer = nil
        while true {
            if case .failure(let error) = await runCycle() { throw error }
            if pending.isEmpty || stopped { return }
        }
    }

    /// Cancels the timers; pending reloads and scheduled withdrawals are dropped (the files stay written).
    package func shutdown() {
        stopped = true
        timer?.cancel()
        timer = nil
        for task in expiries.values { task.cancel() }
        expiries = [:]
    }

    /// At `deadline`, runs `withdraw` (which switches the site's snippet off and says whether it
    /// changed anything) and then asks for a reload after which `expectation` holds. Replaces the
    /// site's earlier schedule: each install of a newer staple moves it.
    package func scheduleWithdrawal(
        site: String, at deadline: Date, expectation: ReloadExpectation, withdraw: @escaping @Sendable () -> Bool
    ) {
        guard !stopped else { return }
        expiries[site]?.cancel()
        let delay = max(0, deadline.timeIntervalSinceNow)
        expiries[site] = Task { [weak self] in
            do { try await Task.sleep(for: .milliseconds(Int64((delay * 1000).rounded(.up)))) } catch { return }
            await self?.expire(site: site, expectation: expectation, withdraw: withdraw)
        }
    }

    /// Drops the site's scheduled withdrawal (it was withdrawn already, or is gone).
    package func cancelWithdrawal(site: String) {
        expiries.removeValue(forKey: site)?.cancel()
    }

    /// Whether a withdrawal is scheduled for `site`.
    package func hasScheduledWithdrawal(site: String) -> Bool { expiries[site] != nil }

    private func expire(site: String, expectation: ReloadExpectation, withdraw: @Sendable () -> Bool) {
        expiries[site] = nil
        if withdraw() { request(expectation) }
    }

    private func arm(after delay: Duration) {
        timer?.cancel()
        timer = Task { [weak self] in
            do { try await Task.sleep(for: delay) } catch { return }
            await self?.fire()
        }
    }

    private func fire() async {
        timer = nil
        _ = await runCycle()
    }

    /// One reload and its confirmations for everything pending; re-arms a timer for what remains.
    private func runCycle() async -> Result<Void, OutputError> {
        // State is re-checked after the wait: the cycle that ran meanwhile may have taken everything.
        while cycling { await withCheckedContinuation { waiters.append($0) } }
        cycling = true
        defer {
            cycling = false
            let waiting = waiters
            waiters = []
            for waiter in waiting { waiter.resume() }
        }
        guard !pending.isEmpty, !stopped else { return .success(()) }
        let batch = Array(pending.values).sorted { $0.site < $1.site }
        pending = [:]
        reloadCount += 1
        let result = await Self.reloadAndConfirm(batch, signal: signal, confirmation: confirmation)
        observer?.reloaded(Self.outcome(of: result, batch: batch))
        switch result {
        case .success:
            consecutiveFailures = 0
            confirmedCount += 1
            lastFailure = nil
            logger.info(
                "nginx reloaded and confirmed",
                metadata: [
                    "nginx.reload": "\(signal.description)",
                    "staple.sites": "\(batch.map(\.site).joined(separator: ","))",
                ])
            if !pending.isEmpty, timer == nil { arm(after: debounce) }
        case .failure(let error):
            consecutiveFailures += 1
            lastFailure = error
            for expectation in batch where pending[expectation.site] == nil {
                pending[expectation.site] = expectation
            }
            let delay = backoff.delay(afterFailures: consecutiveFailures)
            logger.error(
                "nginx reload failed; retrying",
                metadata: [
                    "nginx.reload": "\(signal.description)", "error": "\(error)", "retry.in": "\(delay)",
                    "retry.failures": "\(consecutiveFailures)",
                ])
            if !stopped { arm(after: delay) }
        }
        return result
    }

    /// The metrics label of one cycle's result.
    static func outcome(of result: Result<Void, OutputError>, batch: [ReloadExpectation]) -> ReloadOutcome {
        switch result {
        case .success: batch.contains { $0.target != nil } ? .confirmed : .reloaded
        case .failure(let error): error.code == .unconfirmed ? .unconfirmed : .failed
        }
    }

    private static func reloadAndConfirm(
        _ batch: [ReloadExpectation], signal: ReloadSignal, confirmation: StapleConfirmation
    ) async -> Result<Void, OutputError> {
        do throws(OutputError) {
            try await signal.perform()
            for expectation in batch {
                guard let target = expectation.target else { continue }
                try await confirmation.confirm(target, carries: expectation.staple, site: expectation.site)
            }
            return .success(())
        } catch {
            return .failure(error)
        }
    }
}
