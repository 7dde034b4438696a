import Foundation

/// The parts of `staple check --json` the story reads (docs/check.md has the whole document).
package struct CheckDocument: Decodable, Sendable {
    package struct Target: Decodable, Sendable {
        package var target: String
        package var host: String
        package var status: String
        package var error: Failure?
        package var deployments: [Deployment]?
    }
    package struct Failure: Decodable, Sendable {
        package var code: String
        package var message: String
    }
    package struct Deployment: Decodable, Sendable {
        package var serial: String
        package var mustStaple: Bool
        package var severity: String
        package var staple: Staple?
        package var handshakes: [Handshake]
        package var findings: [Finding]
    }
    package struct Staple: Decodable, Sendable {
        package var verdict: String
        package var nextUpdate: String?
        package var hoursLeft: Double?
    }
    package struct Handshake: Decodable, Sendable {
        package var number: Int
        package var version: String?
        package var stapled: Bool
    }
    package struct Finding: Decodable, Sendable {
        package var id: String
        package var severity: String
        package var seen: String
    }

    package var status: String
    package var targets: [Target]

    /// Parses `run`'s standard output; nil when it is not a check document.
    package static func parse(_ run: ToolRun) -> CheckDocument? {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try? decoder.decode(CheckDocument.self, from: Data(run.output.utf8))
    }

    /// The target whose host is `host`.
    package func target(_ host: String) -> Target? { targets.first { $0.host == host } }
}

extension CheckDocument.Target {
    /// Its only deployment (the demo's certificates are all ECDSA).
    package var deployment: CheckDocument.Deployment? { deployments?.first }
    /// Whether handshake number 1 carried a staple.
    package var firstHandshakeStapled: Bool { deployment?.handshakes.first { $0.number == 1 }?.stapled ?? false }
    package var stapledAtAll: Bool { deployment?.handshakes.contains(where: \.stapled) ?? false }
    package var findingIDs: [String] { deployment?.findings.map(\.id) ?? [] }
    /// The worst finding, `SEVERITY id: seen`.
    package var headline: String {
        if let error { return "\(status.uppercased()) \(error.code): \(error.message)" }
        guard let finding = deployment?.findings.first else { return status.uppercased() }
        return "\(finding.severity.uppercased()) \(finding.id): \(finding.seen)"
    }
}

/// The parts of `staple lint --json` the story reads.
package struct LintDocument: Decodable, Sendable {
    package struct Configuration: Decodable, Sendable {
        package var sites: [Site]
    }
    package struct Site: Decodable, Sendable {
        package var name: String
        package var line: Int
        package var findings: [Item]
    }
    package struct Item: Decodable, Sendable {
        package var rule: String
        package var severity: String
        package var line: Int
        package var message: String
    }

    package var exitCode: Int32
    package var configurations: [Configuration]

    package static func parse(_ run: ToolRun) -> LintDocument? {
        try? JSONDecoder().decode(LintDocument.self, from: Data(run.output.utf8))
    }

    package var findings: [Item] { configurations.flatMap(\.sites).flatMap(\.findings) }
}
