import ArgumentParser
import ConfigLint
import Foundation

struct Lint: MonitoringCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find stapling mistakes in nginx, Apache and HAProxy configurations before clients do.",
        discussion: """
            Reads each configuration (following include/Include/IncludeOptional, globs included, and \
            HAProxy crt-list files), finds the TLS sites, loads the certificate, key, chain, trust \
            bundle and staple files they name, and checks what `nginx -t` and `haproxy -c` do not: \
            a Must-Staple certificate that will not be stapled, a certificate without an OCSP URL, \
            an issuer nowhere to be found, a missing resolver, a staple file that is expired, for \
            another certificate, badly signed or revoked, Apache's stapling cache, HAProxy's .ocsp \
            side files, expired certificates and keys that do not match.

            With no PATH, reads /etc/nginx/nginx.conf, /etc/apache2/apache2.conf and \
            /etc/haproxy/haproxy.cfg, those that exist. A PATH may be a configuration file or a \
            directory holding one of those names. The server is told by the file's name, else by \
            its content; --nginx, --apache or --haproxy settle it.

            Examples:
              staple lint
              staple lint /etc/nginx/nginx.conf
              staple lint --haproxy ./haproxy/site.cfg --json
              staple lint deploy/nginx.conf --sarif > lint.sarif
              staple lint nginx.conf --at 2025-12-01T00:00:00Z   # will it still work then?

            Every finding names its rule id, severity (note, warning, error, critical), the file \
            and line at fault, and the fix. Text output groups findings by site, worst first.

            Exit status (Nagios plugin convention, as for every monitoring command):
              0  OK: clean (notes at most)
              1  WARNING: warnings
              2  CRITICAL: errors or critical findings
              3  UNKNOWN: could not lint: a usage error, a configuration that is unreadable or \
            unparsable (the message names the file and line), or nothing to lint
            """
    )

    enum Server: String, EnumerableFlag {
        case nginx, apache, haproxy

        static func help(for value: Self) -> ArgumentHelp? {
            switch value {
            case .nginx: "Read PATHs as nginx configurations."
            case .apache: "Read PATHs as Apache httpd 2.4 configurations."
            case .haproxy: "Read PATHs as HAProxy configurations."
            }
        }
    }

    enum Format: String, EnumerableFlag {
        case text, json, sarif

        static func help(for value: Self) -> ArgumentHelp? {
            switch value {
            case .text: "Human-readable report, grouped by site, worst first (default)."
            case .json: "JSON document with stable field names."
            case .sarif: "SARIF 2.1.0, for CI code annotations."
            }
        }
    }

    @Argument(help: "Configuration files or directories. Default: the usual locations that exist.")
    var paths: [String] = []

    @Flag(help: "The server the configurations are for. Default: told by name, then content.")
    var server: Server?

    @Flag(help: "Output format.")
    var format: Format = .text

    @Option(help: "Judge expiry at this time (unix seconds or ISO 8601) instead of now.")
    var at: TimeArgument?

    func run() throws {
        let targets = paths.isEmpty ? Linter.defaultPaths() : paths
        guard !targets.isEmpty else {
            let looked = ConfigurationParser.defaultPaths.joined(separator: ", ")
            FileHandle.standardError.write(Data("error: nothing to lint: none of \(looked) exists; name a PATH\n".utf8))
            throw MonitoringStatus.unknown.exitCode
        }
        let kind = server.flatMap { ServerKind(rawValue: $0.rawValue) }
        let report = Linter(now: at?.date ?? Date()).lint(paths: targets, as: kind)
        let status = Self.status(report.grade)
        switch format {
        case .text:
            print(TextReporter.render(report), terminator: "")
        case .json:
            print(JSONReporter.render(report, exitCode: status.rawValue), terminator: "")
        case .sarif:
            print(SARIFReporter.render(report), terminator: "")
        }
        if format != .text {
            for failure in report.failures {
                FileHandle.standardError.write(Data("error: could not lint \(failure)\n".utf8))
            }
        }
        if status != .ok { throw status.exitCode }
    }

    /// The monitoring status for a lint run's grade.
    static func status(_ grade: LintGrade) -> MonitoringStatus {
        switch grade {
        case .clean: .ok
        case .warnings: .warning
        case .errors: .critical
        case .unlintable: .unknown
        }
    }
}
