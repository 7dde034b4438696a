import Foundation

/// What a check found for one deployment: the certificate, the handshakes, the staple, the findings.
public struct DeploymentReport: Sendable {
    /// `ecdsa`, `rsa` or `ed25519`: the leaf's key.
    public var keyType: String
    /// The leaf's serial, upper-case hex.
    public var serial: String
    public var subject: String
    public var issuer: String
    public var notAfter: Date
    public var mustStaple: Bool
    public var ocspURLs: [String]
    public var handshakes: [HandshakeSummary]
    /// The latest staple received, judged.
    public var staple: StapleSummary?
    /// How many distinct staples the handshakes carried.
    public var distinctStaples: Int
    /// Stapled handshakes over completed ones (0...1).
    public var stapledRatio: Double
    /// Worst first.
    public var findings: [Finding]

    /// The worst severity among the findings (`ok` when there are none).
    public var severity: Severity { findings.map(\.severity).max() ?? .ok }
}

/// One handshake as reported.
public struct HandshakeSummary: Sendable, Hashable {
    public var number: Int
    public var round: Int
    /// The version offered.
    public var offered: String
    /// The version negotiated, when it completed.
    public var version: String?
    public var stapled: Bool
    /// SHA-256 of the staple (hex), to tell staples apart.
    public var stapleSHA256: String?
    /// Why it failed, when it did.
    public var error: String?
    public var at: Date
}

/// The latest staple, as the verifier read it.
public struct StapleSummary: Sendable, Hashable {
    /// `good`, `revoked`, `unknown`, `no-status`, `rejected`, `responder-error`, or `unverified` (no issuer).
    public var verdict: String
    /// The serials the staple speaks about (hex), when it decoded.
    public var serials: [String]
    public var thisUpdate: Date?
    public var nextUpdate: Date?
    public var producedAt: Date?
    /// Hours from now to nextUpdate (negative when passed).
    public var hoursLeft: Double?
    /// Seconds from thisUpdate to now.
    public var ageSeconds: Double?
    public var bytes: Int
}

/// The result for one target: its deployments, or why it could not be checked.
public struct TargetReport: Sendable {
    public var target: CheckTarget
    public var deployments: [DeploymentReport]
    /// Set when no handshake completed: the target could not be judged (UNKNOWN).
    public var error: CheckError?
    /// Facts about offers that found no certificate ("no RSA certificate: ...").
    public var notes: [String]
    public var checkedAt: Date

    public init(
        target: CheckTarget, deployments: [DeploymentReport], error: CheckError?, notes: [String], checkedAt: Date
    ) {
        self.target = target
        self.deployments = deployments
        self.error = error
        self.notes = notes
        self.checkedAt = checkedAt
    }

    /// The target's status.
    public var status: CheckStatus {
        if error != nil { return .unknown }
        return CheckStatus(deployments.map(\.severity).max() ?? .ok)
    }
}

/// A monitoring status, Nagios style.
public enum CheckStatus: String, Sendable, Hashable, Comparable {
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

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }

    /// The Nagios plugin exit code: 0, 1, 2, 3.
    public var exitCode: Int32 {
        switch self {
        case .ok: 0
        case .warning: 1
        case .critical: 2
        case .unknown: 3
        }
    }
}

/// Every target's result, in input order.
public struct CheckReport: Sendable {
    public var targets: [TargetReport]
    public var policy: CheckPolicy

    public init(targets: [TargetReport], policy: CheckPolicy) {
        self.targets = targets
        self.policy = policy
    }

    /// The worst target status.
    public var status: CheckStatus { targets.map(\.status).max() ?? .unknown }
}
