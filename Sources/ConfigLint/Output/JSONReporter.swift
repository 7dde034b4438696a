import Foundation
import OCSPCore

/// The `--json` report. Field names are stable:
///
/// ```
/// { "version": 1, "time": ISO8601, "exitCode": N,
///   "failures": [ { "code", "file", "line", "message" } ],
///   "configurations": [ { "path", "server", "files": [..],
///     "sites": [ { "name", "file", "line", "tls", "stapling",
///       "findings": [ { "rule", "severity", "file", "line", "message", "fix" } ] } ] } ] }
/// ```
package enum JSONReporter {
    struct Document: Encodable {
        var version = 1
        var time: String
        var exitCode: Int32
        var failures: [Failure]
        var configurations: [Configuration]
    }

    struct Failure: Encodable {
        var code: String
        var file: String
        var line: Int
        var message: String
    }

    struct Configuration: Encodable {
        var path: String
        var server: String
        var files: [String]
        var sites: [Site]
    }

    struct Site: Encodable {
        var name: String
        var file: String
        var line: Int
        var tls: Bool
        var stapling: Bool
        var findings: [Item]
    }

    struct Item: Encodable {
        var rule: String
        var severity: String
        var file: String
        var line: Int
        var message: String
        var fix: String
    }

    /// - Parameter exitCode: the exit status the executable gives for this report, recorded in the document.
    package static func render(_ report: LintReport, exitCode: Int32) -> String {
        let document = Document(
            time: report.now.iso8601, exitCode: exitCode,
            failures: report.failures.map {
                Failure(code: $0.code.rawValue, file: $0.location.file, line: $0.location.line, message: $0.reason)
            },
            configurations: report.configurations.map { configuration in
                Configuration(
                    path: configuration.path, server: configuration.server.rawValue, files: configuration.files,
                    sites: configuration.sites.map { site in
                        Site(
                            name: site.site.name, file: site.site.location.file, line: site.site.location.line,
                            tls: site.site.tls != nil, stapling: site.site.staplingEnabled != nil,
                            findings: site.findings.map {
                                Item(
                                    rule: $0.ruleID, severity: $0.severity.description, file: $0.location.file,
                                    line: $0.location.line,
                                    message: $0.message, fix: $0.fix
                                )
                            }
                        )
                    }
                )
            }
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and numbers cannot fail.
        return String(decoding: try! encoder.encode(document), as: UTF8.self) + "\n"
    }
}
