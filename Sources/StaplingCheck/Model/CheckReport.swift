import Foundation

/// What a check found for one deployment: the certificate, the handshakes, the staple, the findings.
package struct DeploymentReport: Sendable {
    /// `ecdsa`, `rsa` or `ed25519`: the leaf's key.
    package var keyType: String
    /// The leaf's serial, upper-case hex.
    package var serial: String
    package var subject: String
    package var issuer: String
    package var notAfter: Date
    package var mustStaple: Bool
    package var ocspURLs: [String]
    package var handshakes: [HandshakeSummary]
    /// The latest staple received, judged.
    package var staple: StapleSummary?
    /// How many distinct staples the handshakes carried.
    package var distinctStaples: Int
    /// Stapled handshakes over completed ones (0...1).
    package var stapledRatio: Double
    /// Worst first.
    package var findings: [Finding]

    /// The worst severity among the findings (`ok` when there are none).
    package var severity: Severity { findings.map(\.severity).max() ?? .ok }
}

/// One handshake as reported.
package struct HandshakeSummary: Sendable, Hashable {
    package var number: Int
    package var round: Int
    /// The version offered.
    package var offered: String
    /// The version negotiated, when it completed.
    package var version: String?
    package var stapled: Bool
    /// SHA-256 of the staple (hex), to tell staples apart.
    package var stapleSHA256: String?
    /// Why it failed, when it did.
    package var error: String?
    package var at: Date
}

/// The latest staple, as the verifier read it.
package struct StapleSummary: Sendable, Hashable {
    /// `good`, `revoked`, `unknown`, `no-status`, `rejected`, `responder-error`, or `unverified` (no issuer).
    package var verdict: String
    /// The serials the staple speaks about (hex), when it decoded.
    package var serials: [String]
    package var thisUpdate: Date?
    package var nextUpdate: Date?
    package var producedAt: Date?
    /// Hours from now to nextUpdate (negative when passed).
    package var hoursLeft: Double?
    /// Seconds from thisUpdate to now.
    package var ageSeconds: Double?
    package var bytes: Int
}

/// The result for one target: its deployments, or why it could not be checked.
package struct TargetReport: Sendable {
    package var target: CheckTarget
    package var deployments: [DeploymentReport]
    /// Set when no handshake completed: the target could not be judged (UNKNOWN).
    package var error: CheckError?
    /// Facts about offers that found no certificate ("no RSA certificate: ...").
    package var notes: [String]
    package var checkedAt: Date

    package init(
        target: CheckTarget, deployments: [DeploymentReport], error: CheckError?, notes: [String], checkedAt: Date
    ) {
        self.target = target
        self.deployments = deployments
        self.error = error
        self.notes = notes
        self.checkedAt = checkedAt
    }

    /// The target's status.
    package var status: CheckStatus {
        if error != nil { return .unknown }
        return CheckStatus(deployments.map(\.severity).max() ?? .ok)
    }
}

/// A monitoring status, Nagios style.
package enum CheckStatus: String, Sendable, Hashable, Comparable {
    case ok, warning, critical, unknown

    init(_ severity: Severity) {
        switch severity {
        case .ok, .info: self = .ok
        case .warning: self = .warning
        case .critical: self = .critical
        }
    }

    /// OK < WARNING < UNKNOWN < CRITICAL: a verified problem outranks a target that could not be judged.
    private var rank: Int {
        switch self {
        case .ok: 0
        case .warning: 1
        case .unknown: 2
        case .critical: 3
        }
    }

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }

    /// The Nagios plugin exit code: 0, 1, 2, 3.
    package var exitCode: Int32 {
        switch self {
        case .ok: 0
        case .warning: 1
        case .critical: 2
        case .unknown: 3
        }
    }
}

/// Every target's result, in input order.
package struct CheckReport: Sendable {
    package var targets: [TargetReport]
    package var policy: CheckPolicy

    package init(targets: [TargetReport], policy: CheckPolicy) {
        self.targets = targets
        self.policy = policy
    }

    /// The worst target status.
    package var status: CheckStatus { targets.map(\.status).max() ?? .unknown }
}
