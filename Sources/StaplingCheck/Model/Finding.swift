/// How bad a finding is. Ordered: `ok` < `info` < `warning` < `critical`.
public enum Severity: String, Sendable, Hashable, Comparable, CaseIterable, Codable {
    /// What was checked and passed.
    case ok
    /// Worth knowing; nothing to fix on the server.
    case info
    /// Works for most clients today, or will break soon.
    case warning
    /// Clients that check staples (or honour Must-Staple) fail, or the staple says the certificate is bad.
    case critical

    private var rank: Int {
        switch self {
        case .ok: 0
        case .info: 1
        case .warning: 2
        case .critical: 3
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// The verifier check a finding rests on: its id and the RFC section it enforces.
public struct CheckReference: Sendable, Hashable, Codable {
    /// The OCSP core's check id (`signature`, `next-update`, ...).
    public var id: String
    /// `RFC 6960 §3.2 item 2`, ...
    public var reference: String

    public init(id: String, reference: String) {
        self.id = id
        self.reference = reference
    }
}

/// One judgement about a deployment: a stable id, a severity, what was seen and what to change.
public struct Finding: Sendable, Hashable {
    /// A stable kebab-case identifier (`staple-expired`); see docs/check.md for the list.
    public var id: String
    public var severity: Severity
    /// What was observed, with the values involved (serials, times, handshake numbers).
    public var seen: String
    /// What to change; empty when there is nothing to do.
    public var fix: String
    /// The verifier check that failed (or passed) behind this finding, when there is one.
    public var check: CheckReference?

    public init(id: String, severity: Severity, seen: String, fix: String = "", check: CheckReference? = nil) {
        self.id = id
        self.severity = severity
        self.seen = seen
        self.fix = fix
        self.check = check
    }
}
