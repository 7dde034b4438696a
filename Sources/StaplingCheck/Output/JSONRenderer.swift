import Foundation

/// The `--json` document: stable snake_case field names (docs/check.md lists them).
package enum JSONRenderer {
    package static func render(_ report: CheckReport) -> String {
        let document = Document(report)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(document) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    struct Document: Encodable {
        var status: String
        var exitCode: Int32
        var policy: Policy
        var targets: [Target]

        init(_ report: CheckReport) {
            status = report.status.rawValue
            exitCode = report.status.exitCode
            policy = Policy(warningHours: report.policy.warningHours, criticalHours: report.policy.criticalHours)
            targets = report.targets.map(Target.init)
        }

        enum CodingKeys: String, CodingKey {
            case status, policy, targets
            case exitCode = "exit_code"
        }
    }

    struct Policy: Encodable {
        var warningHours: Double
        var criticalHours: Double
        enum CodingKeys: String, CodingKey {
            case warningHours = "warning_hours"
            case criticalHours = "critical_hours"
        }
    }

    struct Target: Encodable {
        var target: String
        var host: String
        var port: Int
        var address: String
        var serverName: String?
        var status: String
        var checkedAt: Date
        var error: ErrorValue?
        var notes: [String]
        var deployments: [Deployment]

        init(_ report: TargetReport) {
            target = report.target.text
            host = report.target.host
            port = report.target.port
            address = CheckTarget.endpoint(report.target.dialHost, report.target.dialPort)
            serverName = report.target.serverName
            status = report.status.rawValue
            checkedAt = report.checkedAt
            error = report.error.map { ErrorValue(code: $0.code.rawValue, message: $0.message) }
            notes = report.notes
            deployments = report.deployments.map(Deployment.init)
        }

        enum CodingKeys: String, CodingKey {
            case target, host, port, address, status, error, notes, deployments
            case serverName = "server_name"
            case checkedAt = "checked_at"
        }
    }

    struct ErrorValue: Encodable {
        var code: String
        var message: String
    }

    struct Deployment: Encodable {
        var keyType: String
        var serial: String
        var subject: String
        var issuer: String
        var notAfter: Date
        var mustStaple: Bool
        var ocspURLs: [String]
        var severity: String
        var stapledRatio: Double
        var distinctStaples: Int
        var staple: Staple?
        var handshakes: [Handshake]
        var findings: [FindingValue]

        init(_ report: DeploymentReport) {
            keyType = report.keyType
            serial = report.serial
            subject = report.subject
            issuer = report.issuer
            notAfter = report.notAfter
            mustStaple = report.mustStaple
            ocspURLs = report.ocspURLs
            severity = report.severity.rawValue
            stapledRatio = report.stapledRatio
            distinctStaples = report.distinctStaples
            staple = report.staple.map(Staple.init)
            handshakes = report.handshakes.map(Handshake.init)
            findings = report.findings.map(FindingValue.init)
        }

        enum CodingKeys: String, CodingKey {
            case serial, subject, issuer, severity, staple, handshakes, findings
            case keyType = "key_type"
            case notAfter = "not_after"
            case mustStaple = "must_staple"
            case ocspURLs = "ocsp_urls"
            case stapledRatio = "stapled_ratio"
            case distinctStaples = "distinct_staples"
        }
    }

    struct Staple: Encodable {
        var verdict: String
        var serials: [String]
        var thisUpdate: Date?
        var nextUpdate: Date?
        var producedAt: Date?
        var hoursLeft: Double?
        var ageSeconds: Double?
        var bytes: Int

        init(_ summary: StapleSummary) {
            verdict = summary.verdict
            serials = summary.serials
            thisUpdate = summary.thisUpdate
            nextUpdate = summary.nextUpdate
            producedAt = summary.producedAt
            hoursLeft = summary.hoursLeft.map { ($0 * 100).rounded() / 100 }
            ageSeconds = summary.ageSeconds.map { $0.rounded() }
            bytes = summary.bytes
        }

        enum CodingKeys: String, CodingKey {
            case verdict, serials, bytes
            case thisUpdate = "this_update"
            case nextUpdate = "next_update"
            case producedAt = "produced_at"
            case hoursLeft = "hours_left"
            case ageSeconds = "age_seconds"
        }
    }

    struct Handshake: Encodable {
        var number: Int
        var round: Int
        var offered: String
        var version: String?
        var stapled: Bool
        var stapleSHA256: String?
        var error: String?
        var at: Date

        init(_ summary: HandshakeSummary) {
            number = summary.number
            round = summary.round
            offered = summary.offered
            version = summary.version
            stapled = summary.stapled
            stapleSHA256 = summary.stapleSHA256
            error = summary.error
            at = summary.at
        }

        enum CodingKeys: String, CodingKey {
            case number, round, offered, version, stapled, error, at
            case stapleSHA256 = "staple_sha256"
        }
    }

    struct FindingValue: Encodable {
        var id: String
        var severity: String
        var seen: String
        var fix: String
        var check: String?
        var reference: String?

        init(_ finding: Finding) {
            id = finding.id
            severity = finding.severity.rawValue
            seen = finding.seen
            fix = finding.fix
            check = finding.check?.id
            reference = finding.check?.reference
        }
    }
}
