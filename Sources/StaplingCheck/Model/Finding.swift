/// How bad a finding is. Ordered: `ok` < `info` < `warning` < `critical`.
package enum Severity: String, Sendable, Hashable, Comparable, CaseIterable, Codable {
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

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// The verifier check a finding rests on: its id and the RFC section it enforces.
package struct CheckReference: Sendable, Hashable, Codable {
    /// The OCSP core's check id (`signature`, `next-update`, ...).
    package var id: String
    /// `RFC 6960 §3.2 item 2`, ...
    package var reference: String

    package init(id: String, reference: String) {
        self.id = id
        self.reference = reference
    }
}

/// One judgement about a deployment: a stable id, a severity, what was seen and what to change.
package struct Finding: Sendable, Hashable {
    /// A stable kebab-case identifier (`staple-expired`); see docs/check.md for the list.
    package var id: String
    package var severity: Severity
    /// What was observed, with the values involved (serials, times, handshake numbers).
    package var seen: String
    /// What to change; empty when there is nothing to do.
    package var fix: String
    /// The verifier check that failed (or passed) behind this finding, when there is one.
    package var check: CheckReference?

    package init(id: String, severity: Severity, seen: String, fix: String = "", check: CheckReference? = nil) {
        self.id = id
        self.severity = severity
        self.seen = seen
        self.fix = fix
        self.check = check
    }
}
