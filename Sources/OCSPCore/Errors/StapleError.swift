/// A module's set of error codes: stable kebab-case names (``description``), open for additions.
///
/// Each module declares one code struct backed by a private enum, so that only the module can
/// make new codes and callers branch on the static members, never on text.
public protocol StapleErrorCode: Hashable, Sendable, CustomStringConvertible {
    /// What the reason is about: a path, a responder and serial, a file and line. `String` unless
    /// the module needs structure (the linter's ``SourceLocation``-like locations).
    associatedtype Subject: Hashable, Sendable, CustomStringConvertible = String
}

extension StapleErrorCode {
    /// The code's stable name (its ``description``), as JSON output and metrics labels carry it.
    public var rawValue: String { description }
}

/// The one error shape of every Staple module: a stable code, the thing involved, a reason for a
/// person, and where in Staple's source it was raised (as swift-certificates' `CertificateError`
/// records `#fileID` and `#line`).
///
/// Modules name their instance: `public typealias StoreError = StapleError<StoreErrorCode>`.
/// Equality and hashing compare the code only; branch on ``code``, never on the reason text.
/// The description reads `code: subject: reason`.
public struct StapleError<CodeSet: StapleErrorCode>: Error, Hashable, Sendable, CustomStringConvertible {
    /// The module's code set (`OCSPFetchError.Code.timedOut`).
    public typealias Code = CodeSet

    public let code: Code
    /// The file, URL, certificate serial or configuration line involved, when there is one.
    public let subject: Code.Subject?
    /// What happened, for a person; it names the thing involved when there is no ``subject``.
    public let reason: String
    /// Where in Staple's source the error was raised (`#fileID`).
    public let file: String
    /// The source line it was raised at.
    public let line: UInt

    public init(
        _ code: Code, subject: Code.Subject? = nil, reason: String, file: String = #fileID, line: UInt = #line
    ) {
        self.code = code
        self.subject = subject
        self.reason = reason
        self.file = file
        self.line = line
    }

    /// An error without a subject: the reason names what was involved.
    public init(_ code: Code, _ reason: String, file: String = #fileID, line: UInt = #line) {
        self.init(code, subject: nil, reason: reason, file: file, line: line)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// `subject: reason` (or the reason alone), for a person: what a command prints after its name.
    public var message: String {
        if let subject { "\(subject): \(reason)" } else { reason }
    }

    public var description: String {
        if let subject { "\(code): \(subject): \(reason)" } else { "\(code): \(reason)" }
    }
}
