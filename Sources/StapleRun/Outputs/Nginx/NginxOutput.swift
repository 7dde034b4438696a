import Foundation
import Logging
import Stapling

/// `nginx:` for one site: writes the staple file (and the site's snippet, with `include_file`)
/// atomically, then asks the shared ``NginxReloader`` for one debounced, confirmed reload.
///
/// - Only a changed file asks for a reload: the same bytes again are ``OutputOutcome/unchanged``.
/// - A withdrawal (no good staple) switches the snippet to `ssl_stapling off;` and reloads, after
///   which the confirming handshake must carry no staple. Without `include_file` nginx cannot be
///   made to stop stapling the file it has, and the withdrawal is ``OutputOutcome/refused(reason:)``
///   and logged critical (see docs/run-outputs.md).
/// - A staple within ``withdrawalLead`` of its serving end is treated as a withdrawal: it is never
///   written. An installed staple that is not replaced in time is withdrawn by the reloader at its
///   serving end minus ``withdrawalLead`` (a responder outage): nginx would otherwise staple it expired.
package struct NginxOutput: StapleOutput {
    package let configuration: NginxOutputConfiguration
    package let site: String
    package let reloader: NginxReloader
    private let logger: Logger
    private let now: @Sendable () -> Date
    /// How long before a staple's serving end it is withdrawn, when nothing newer came.
    package let withdrawalLead: TimeInterval

    /// Five minutes, as HAProxy does: a reload and its confirmation take seconds, and clients' clocks run ahead.
    package static let defaultWithdrawalLead: TimeInterval = 300

    package var kind: String { "nginx" }
    package var description: String { "nginx \(configuration.stapleFile)" }

    package init(
        configuration: NginxOutputConfiguration, site: String, reloader: NginxReloader, logger: Logger,
        withdrawalLead: TimeInterval = Self.defaultWithdrawalLead, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.withdrawalLead = withdrawalLead
        self.configuration = configuration
        self.site = site
        self.reloader = reloader
        self.logger = logger
        self.now = now
    }

    /// Writes the withdrawn snippet when `include_file` names one that does not exist yet, so that
    /// nginx can start (an `include` of a missing file is fatal) before the first staple is had.
    package func prepare() throws(OutputError) {
        guard let include = configuration.includeFile, !FileManager.default.fileExists(atPath: include) else { return }
        try OutputFiles.write(Array(NginxSnippet.withdrawn.utf8), to: include)
    }

    package func install(_ update: SiteStaple) async throws -> OutputOutcome {
        let target = try configuration.confirm.map {
            try ConfirmTarget(parsing: $0, serverName: configuration.serverName)
        }
        if let staple = update.staple, staple.isServable(at: now().addingTimeInterval(withdrawalLead)) {
            await scheduleWithdrawal(of: staple, target: target)
            var changed = false
            if OutputFiles.contents(configuration.stapleFile) != staple.bytes {
                try OutputFiles.write(staple.bytes, to: configuration.stapleFile)
                changed = true
            }
            if let include = configuration.includeFile {
                let snippet = Array(NginxSnippet.stapling(file: configuration.stapleFile).utf8)
                if OutputFiles.contents(include) != snippet {
                    try OutputFiles.write(snippet, to: include)
                    changed = true
                }
            }
            guard changed else { return .unchanged }
            await reloader.request(ReloadExpectation(site: site, target: target, staple: staple.bytes))
            return .installed
        }
        guard let include = configuration.includeFile else {
            let reason =
                "nginx keeps stapling \(configuration.stapleFile) (it refuses a reload without the file and never "
                + "checks its times): set include_file and `include` it in the server{} instead of the "
                + "ssl_stapling lines, so that staple run can switch stapling off"
            logger.critical(
                "cannot withdraw the nginx staple",
                metadata: [
                    "staple.site": "\(site)", "staple.file": "\(configuration.stapleFile)", "reason": "\(reason)",
                ])
            return .refused(reason: reason)
        }
        await reloader.cancelWithdrawal(site: site)
        let snippet = Array(NginxSnippet.withdrawn.utf8)
        guard OutputFiles.contents(include) != snippet else { return .unchanged }
        try OutputFiles.write(snippet, to: include)
        await reloader.request(ReloadExpectation(site: site, target: target, staple: nil))
        return .withdrawn
    }

    /// Has the reloader switch stapling off at `staple`'s serving end minus ``withdrawalLead``, unless
    /// a newer install moves it first.
    private func scheduleWithdrawal(of staple: Staple, target: ConfirmTarget?) async {
        let configuration = configuration
        let site = site
        let logger = logger
        await reloader.scheduleWithdrawal(
            site: site, at: staple.servingEnd.addingTimeInterval(-withdrawalLead),
            expectation: ReloadExpectation(site: site, target: target, staple: nil)
        ) {
            guard OutputFiles.contents(configuration.stapleFile) == staple.bytes else { return false }
            guard let include = configuration.includeFile else {
                logger.critical(
                    "the nginx staple expires with nothing newer, and cannot be withdrawn without include_file",
                    metadata: ["staple.site": "\(site)", "staple.file": "\(configuration.stapleFile)"])
                return false
            }
            do {
                try OutputFiles.write(Array(NginxSnippet.withdrawn.utf8), to: include)
            } catch {
                logger.critical(
                    "cannot withdraw the expiring nginx staple",
                    metadata: ["staple.site": "\(site)", "error": "\(error)"])
                return false
            }
            logger.error(
                "nginx staple withdrawn before it expires: nothing newer was had",
                metadata: ["staple.site": "\(site)", "staple.serving_end": "\(staple.servingEnd)"])
            return true
        }
    }

    package func flush() async throws {
        try await reloader.flush()
    }
}
