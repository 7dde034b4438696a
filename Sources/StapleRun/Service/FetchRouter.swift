import Foundation
import Logging
import NIOConcurrencyHelpers
import OCSPCore
import OCSPFetching
import Stapling

/// The engine's ``ResponseSource`` for `staple run`: one ``StapleFetch`` per per-site timeout
/// (`timeout:`), chosen by the certificate asked about. Fetchers are made on demand, shared by the
/// sites with the same timeout, and closed by ``shutdown()``.
package final class FetchRouter: ResponseSource {
    private struct State {
        var fetches: [TimeInterval: StapleFetch] = [:]
        var timeouts: [CertificateKey: TimeInterval] = [:]
        var closed = false
    }

    private let state = NIOLockedValueBox(State())
    private let defaultTimeout: TimeInterval
    private let verifier: OCSPVerifier
    private let logger: Logger

    package init(
        defaultTimeout: TimeInterval = OCSPFetchConfiguration.defaultAttemptTimeout,
        verifier: OCSPVerifier = OCSPVerifier(), logger: Logger
    ) {
        self.defaultTimeout = defaultTimeout
        self.verifier = verifier
        self.logger = logger
    }

    /// Routes `key`'s fetches through a fetcher with `timeout` seconds per attempt (nil: the default).
    package func route(_ key: CertificateKey, timeout: TimeInterval?) {
        state.withLockedValue { $0.timeouts[key] = timeout ?? defaultTimeout }
    }

    /// Forgets `key`'s route.
    package func forget(_ key: CertificateKey) {
        _ = state.withLockedValue { $0.timeouts.removeValue(forKey: key) }
    }

    package func response(for request: StapleRequest, now: @escaping @Sendable () -> Date) async -> StapleFetchOutcome {
        let key = CertificateKey(certificate: request.certificate)
        let fetch: StapleFetch? = state.withLockedValue { state in
            guard !state.closed else { return nil }
            let timeout = state.timeouts[key] ?? defaultTimeout
            if let fetch = state.fetches[timeout] { return fetch }
            let fetch = StapleFetch(
                fetcher: OCSPFetcher(configuration: OCSPFetchConfiguration(attemptTimeout: timeout), logger: logger),
                verifier: verifier, logger: logger)
            state.fetches[timeout] = fetch
            return fetch
        }
        // Stopping: no answer (the engine counts it as a network failure and keeps the last staple).
        guard let fetch else { return StapleFetchOutcome() }
        return await fetch.response(for: request, now: now)
    }

    /// Closes every fetcher; later requests fail at once.
    package func shutdown() async {
        let fetches = state.withLockedValue { state in
            state.closed = true
            defer { state.fetches = [:] }
            return Array(state.fetches.values)
        }
        for fetch in fetches { try? await fetch.fetcher.shutdown() }
    }
}
