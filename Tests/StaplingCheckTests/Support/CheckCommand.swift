import Foundation
import StapleTestSupport

/// `staple check` run as a user runs it (the executable built next to the tests), its JSON decoded.
enum CheckCommand {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var report: Report?
        var seconds: Double
    }

    /// The `--json` document, field names as documented in docs/check.md.
    struct Report: Decodable {
        var status: String
        var exitCode: Int32
        var targets: [Target]
        enum CodingKeys: String, CodingKey {
            case status, targets
            case exitCode = "exit_code"
        }
    }

    struct Target: Decodable {
        var target: String
        var status: String
        var error: ErrorValue?
        var notes: [String]
        var deployments: [Deployment]
    }

    struct ErrorValue: Decodable {
        var code: String
        var message: String
    }

    struct Deployment: Decodable {
        var keyType: String
        var serial: String
        var severity: String
        var mustStaple: Bool
        var stapledRatio: Double
        var staple: Staple?
        var handshakes: [Handshake]
        var findings: [Finding]
        enum CodingKeys: String, CodingKey {
            case serial, severity, staple, handshakes, findings
            case keyType = "key_type"
            case mustStaple = "must_staple"
            case stapledRatio = "stapled_ratio"
        }

        func finding(_ id: String) -> Finding? { findings.first { $0.id == id } }
        var ids: [String] { findings.map(\.id) }
    }

    struct Staple: Decodable {
        var verdict: String
        var serials: [String]
        var hoursLeft: Double?
        enum CodingKeys: String, CodingKey {
            case verdict, serials
            case hoursLeft = "hours_left"
        }
    }

    struct Handshake: Decodable {
        var number: Int
        var round: Int
        var version: String?
        var stapled: Bool
        var error: String?
    }

    struct Finding: Decodable {
        var id: String
        var severity: String
        var seen: String
        var fix: String
        var check: String?
        var reference: String?
    }

    /// Runs `staple check ARGUMENTS --json` (unless `json` is false) and decodes its output.
    static func run(_ arguments: [String], json: Bool = true) throws -> Run {
        let start = ContinuousClock.now
        let execution = try SystemTools.execute(
            ServeProcess.executable, ["check"] + arguments + (json ? ["--json"] : []))
        let elapsed = ContinuousClock.now - start
        let report = json ? try? JSONDecoder().decode(Report.self, from: Data(execution.stdout.utf8)) : nil
        return Run(
            status: execution.status, stdout: execution.stdout, stderr: execution.stderr, report: report,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}

extension CheckCommand.Run {
    /// The first target's deployment with this key type.
    func deployment(_ keyType: String, target: Int = 0) -> CheckCommand.Deployment? {
        report?.targets[safe: target]?.deployments.first { $0.keyType == keyType }
    }

    /// For `#expect` messages.
    var context: String { "exit \(status)\n\(stdout.prefix(4000))\n\(stderr.prefix(1000))" }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
