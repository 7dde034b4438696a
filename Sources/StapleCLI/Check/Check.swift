import ArgumentParser
import Foundation
import Logging
import OCSPCore
import OCSPFetching
import StaplingCheck
import TLSStapling
import X509

struct Check: AsyncParsableCommand, MonitoringCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prove a live server's stapling and say exactly what to fix.",
        discussion: """
            For each TARGET (HOST[:PORT], port 443 by default; [IPv6]:PORT; or an https:// URL), \
            handshakes requesting a staple, once offering only ECDSA and once only RSA signature \
            algorithms (each certificate the server has for the name is a deployment), in TLS 1.3 and \
            TLS 1.2 unless one is forced. Each staple is verified by the OCSP core (signature, \
            responder authorization, CertID, time window, status); every finding names the check \
            that failed and its RFC section, what was seen, and the fix. docs/check.md lists the \
            findings and their severities.

            A Must-Staple certificate without a valid staple is critical; without Must-Staple a \
            missing staple is a warning; a certificate without an OCSP URL cannot be stapled \
            (informational). --connections N --interval D makes N rounds of handshakes D seconds \
            apart and tells lazy fetching (nginx staples only after the first handshake of each \
            worker) from a staple that is always there.

            Targets are checked concurrently, at most --parallel at a time, each making one \
            connection at a time and finishing within --timeout (plus the intervals); results are \
            printed in input order.

            Examples:
              staple check example.org
              staple check example.org:8443 --connect 10.0.0.5 --ca-file private-ca.pem
              staple check -f sites.txt --json > report.json
              staple check example.org --connections 4 --interval 1
              staple check example.org --fetch --perfdata      # as a Nagios/Icinga plugin

            Exit status (Nagios plugin convention, as for every monitoring command), the worst \
            over all targets (CRITICAL > UNKNOWN > WARNING > OK):
              0  OK: every deployment staples a valid response (informational findings at most)
              1  WARNING: a warning (no staple without Must-Staple, lazy fetching, expiring soon, ...)
              2  CRITICAL: a critical finding (expired, revoked, another certificate, bad signature, \
            Must-Staple without a valid staple, ...)
              3  UNKNOWN: could not check: refused, timeout, not TLS, TLS alert, a usage error
            """
    )

    @Argument(help: "Servers to check: HOST[:PORT], [IPv6]:PORT or https://HOST[:PORT]/.")
    var targets: [String] = []

    @Option(
        name: [.customShort("f"), .customLong("file")], help: "A file of targets, one per line; # starts a comment.")
    var file: String?

    @Option(help: "SNI name to send instead of the target's host.")
    var servername: String?

    @Option(help: "Address to dial instead of the target's host: HOST, HOST:PORT or [IPv6]:PORT.")
    var connect: String?

    @Option(help: "PEM bundle of extra trust anchors for the chain (added to the system store).")
    var caFile: String?

    @Option(help: "Rounds of handshakes to make.")
    var connections: Int = 1

    @Option(help: "Seconds between rounds of handshakes.")
    var interval: Double = 1

    @Flag(name: .customLong("tls1_2"), help: "Handshake with TLS 1.2 only.")
    var tls12 = false

    @Flag(name: .customLong("tls1_3"), help: "Handshake with TLS 1.3 only.")
    var tls13 = false

    @Flag(help: "Also ask the certificate's responder and compare with the staple.")
    var fetch = false

    @Option(help: "Warn when the staple has less than this many hours before nextUpdate.")
    var warningHours: Double = CheckPolicy.defaultWarningHours

    @Option(help: "Critical when the staple has less than this many hours before nextUpdate.")
    var criticalHours: Double = CheckPolicy.defaultCriticalHours

    @Option(help: "Seconds a target's handshakes may take (a round; the intervals are added).")
    var timeout: Double = 10

    @Option(help: "Targets checked at once (each makes one connection at a time).")
    var parallel: Int = CheckRunner.defaultParallel

    @Flag(help: "JSON document with stable field names instead of the text report.")
    var json = false

    @Flag(help: "Append Nagios performance data (hours_left, staple_age, stapled_ratio) to the status line.")
    var perfdata = false

    /// Debian's bundle of the system trust store.
    static let systemBundle = "/etc/ssl/certs/ca-certificates.crt"

    func validate() throws {
        guard file != nil || !targets.isEmpty else { throw ValidationError("give at least one TARGET or -f FILE") }
        guard !(tls12 && tls13) else { throw ValidationError("--tls1_2 and --tls1_3 exclude each other") }
        guard connections >= 1, connections <= 1000 else { throw ValidationError("--connections must be 1 to 1000") }
        guard interval >= 0, interval <= 3600 else { throw ValidationError("--interval must be 0 to 3600 seconds") }
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be above 0, at most 3600") }
        guard parallel >= 1, parallel <= 1024 else { throw ValidationError("--parallel must be 1 to 1024") }
        guard warningHours >= criticalHours, criticalHours >= 0 else {
            throw ValidationError("--warning-hours must be at least --critical-hours, and both at least 0")
        }
    }

    func run() async throws {
        let unknown = MonitoringStatus.unknown.rawValue
        let list = try Self.exitingOnUnusableInput(status: unknown) { () throws(CommandError) in try readTargets() }
        let anchors = try Self.exitingOnUnusableInput(status: unknown) { () throws(CommandError) in try trustAnchors() }
        var versions: [TLSVersion] = [.tls13, .tls12]
        if tls12 { versions = [.tls12] }
        if tls13 { versions = [.tls13] }
        let options = CheckOptions(
            versions: versions, connections: connections, interval: .milliseconds(Int64(interval * 1000)),
            timeout: .milliseconds(Int64(timeout * 1000)), fetch: fetch,
            policy: CheckPolicy(warningHours: warningHours, criticalHours: criticalHours), trustAnchors: anchors)
        let fetcher =
            fetch
            ? OCSPFetcher(
                configuration: OCSPFetchConfiguration(attemptTimeout: timeout),
                logger: Logger(label: "staple.check", factory: { _ in SwiftLogNoOpLogHandler() })) : nil
        let checker = StapleChecker(
            options: options, prober: NIOHandshakeProber(),
            responder: fetcher.map { FetcherResponderAsking(fetcher: $0) })
        let report = await CheckRunner(checker: checker, parallel: parallel).run(list)
        try? await fetcher?.shutdown()
        if json {
            print(JSONRenderer.render(report), terminator: "")
        } else {
            print(TextRenderer.render(report, perfdata: perfdata), terminator: "")
        }
        let status = report.status
        if status != .ok { throw ExitCode(status.exitCode) }
    }

    /// The targets of the arguments then of `-f`, with `--connect` and `--servername` applied.
    func readTargets() throws(CommandError) -> [CheckTarget] {
        var list: [CheckTarget] = []
        do {
            list = try targets.map { text throws(CheckError) in try CheckTarget(parsing: text) }
            if let file {
                let bytes = try InputFiles.bytes(file, what: "target list")
                list += try CheckTarget.list(fileText: String(decoding: bytes, as: UTF8.self), source: file)
            }
            for index in list.indices {
                if let connect { try list[index].connect(to: connect) }
                if let servername { list[index].serverNameOverride = servername }
            }
        } catch let error as CheckError {
            throw CommandError(.unusableInput, subject: error.subject, reason: error.reason)
        } catch let error as CommandError {
            throw error
        } catch {
            throw CommandError(.unusableInput, "\(error)")
        }
        guard !list.isEmpty else { throw CommandError(.unusableInput, subject: file, reason: "no targets in the file") }
        return list
    }

    /// The system store (when present) and `--ca-file`.
    func trustAnchors() throws(CommandError) -> [Certificate] {
        var anchors: [Certificate] = []
        if FileManager.default.fileExists(atPath: Self.systemBundle) {
            anchors += (try? InputFiles.certificates(Self.systemBundle, what: "system trust store")) ?? []
        }
        if let caFile { anchors += try InputFiles.certificates(caFile, what: "--ca-file") }
        return anchors
    }
}
