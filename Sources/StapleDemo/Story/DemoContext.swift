import Foundation

/// What every step needs: the PKI, the programs, the running servers' ports, and how to tell.
package struct DemoContext: Sendable {
    /// The running `staple` executable; children are started from it.
    package var staple: String
    package var openssl: String
    /// Whether step 3 runs nginx.
    package enum Nginx: Sendable {
        case installed(String)
        case notInstalled
        /// `--no-nginx`.
        case notWanted
    }
    package var nginx: Nginx
    package var directory: String
    package var pki: DemoPKI
    package var respondPort: Int
    package var servePort: Int
    package var runner: ToolRunner
    package var narrator: Narrator
    package var cleanup: Cleanup
    /// `staple check`'s thresholds, scaled to the demo's 10-minute responses (see ``DemoTiming``).
    package var checkThresholds: [String] {
        ["--warning-hours", "\(DemoTiming.checkWarningHours)", "--critical-hours", "\(DemoTiming.checkCriticalHours)"]
    }

    /// Runs `staple ARGUMENTS`.
    package func staple(_ arguments: [String], waiting: String? = nil) async throws(DemoError) -> ToolRun {
        try await runner.run(staple, arguments, waiting: waiting)
    }

    /// `openssl s_client -status` to `port` with SNI `name`, standard input closed.
    package func sClient(port: Int, name: String) async throws(DemoError) -> ToolRun {
        try await runner.run(
            openssl,
            ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", name, "-status", "-CAfile", pki.rootPath],
            timeout: .seconds(10))
    }
}

/// The demo's timing choices, written once.
///
/// `staple serve` refreshes a staple at half its validity, but never later than 15 minutes before
/// nextUpdate and never sooner than `--min-refresh-interval` after the last fetch. The responder
/// here signs responses valid for 10 minutes and signs them again every 2 s, so serve asks every
/// 2 s (the interval floor) and each answer is newer: a revocation reaches serve within seconds.
/// With production settings (`--validity 7d --refresh 12h`) serve asks every few days and learns of
/// a revocation at its next refresh.
package enum DemoTiming {
    package static let responderValidity = "10m"
    package static let responderRefresh = "2s"
    package static let responderPollInterval = "0.2"
    package static let serveMinimumRefreshInterval = 2
    package static let serveRetryAfter = 1
    /// 6 and 3 minutes: a 10-minute staple would be "expiring" under check's defaults (12 h, 2 h).
    package static let checkWarningHours = 0.1
    package static let checkCriticalHours = 0.05
    /// How long a step waits for the responder or serve to change its answer before saying it did not.
    package static let changeDeadline: Duration = .seconds(20)
}
