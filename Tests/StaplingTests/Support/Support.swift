import Foundation
import Logging
import OCSPCore
import OCSPFetching
import StapleTestSupport
import Stapling

var quietLogger: Logger {
    var logger = Logger(label: "test.stapling")
    logger.logLevel = .critical
    return logger
}

/// A `StapleFetch` over a fresh fetcher (no proxies), shut down after `body`.
func withStapleFetch<T>(
    attemptTimeout: TimeInterval = OCSPFetchConfiguration.defaultAttemptTimeout,
    maximumResponseSize: Int = OCSPVerifier.defaultMaximumResponseSize,
    _ body: (StapleFetch) async throws -> T
) async throws -> T {
    let fetcher = OCSPFetcher(
        configuration: OCSPFetchConfiguration(
            attemptTimeout: attemptTimeout, maximumResponseSize: maximumResponseSize, proxies: .none),
        logger: quietLogger)
    do {
        let result = try await body(StapleFetch(fetcher: fetcher, logger: quietLogger))
        try await fetcher.shutdown()
        return result
    } catch {
        try? await fetcher.shutdown()
        throw error
    }
}

func fileBytes(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { [UInt8]($0) }
}
