/// How bad a finding is, from a remark to a site that clients will refuse.
package enum Severity: Int, Hashable, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case note = 0
    case warning, error, critical

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `note`, `warning`, `error`, `critical`.
    package var description: String {
        switch self {
        case .note: "note"
        case .warning: "warning"
        case .error: "error"
        case .critical: "critical"
        }
    }
}

/// One problem a rule found: which rule, how bad, where, what and how to fix it.
package struct Finding: Hashable, Sendable {
    /// The rule's stable id, e.g. `nginx-resolver-missing`.
    package var ruleID: String
    package var severity: Severity
    /// Where to look: the directive (or file) at fault.
    package var location: SourceLocation
    /// What is wrong, naming the directive, file and line involved.
    package var message: String
    /// What to do about it.
    package var fix: String
    /// Whether this problem means no valid staple reaches clients (the Must-Staple rule reads it).
    package var breaksStapling: Bool

    package init(
        ruleID: String, severity: Severity, location: SourceLocation, message: String, fix: String,
        breaksStapling: Bool = false
    ) {
        self.ruleID = ruleID
        self.severity = severity
        self.location = location
        self.message = message
        self.fix = fix
        self.breaksStapling = breaksStapling
    }
}
