import OCSPCore

/// Why a configuration could not be linted; the subject is the file and line.
public typealias LintError = StapleError<LintErrorCode>

/// The codes of ``LintError``.
public struct LintErrorCode: StapleErrorCode {
    public typealias Subject = SourceLocation

    private enum Backing: String {
        case unreadable
        case tooLarge = "too-large"
        case binary
        case syntax
        case tooDeep = "too-deep"
        case includeCycle = "include-cycle"
        case tooManyFiles = "too-many-files"
        case unknownServer = "unknown-server"
    }
    private let backing: Backing
    public var description: String { backing.rawValue }

    /// A file that is missing, unreadable, a device or a FIFO.
    public static let unreadable = Self(backing: .unreadable)
    /// A file, or all files together, over the size bounds.
    public static let tooLarge = Self(backing: .tooLarge)
    /// NUL bytes or invalid UTF-8.
    public static let binary = Self(backing: .binary)
    /// A configuration the parser cannot read.
    public static let syntax = Self(backing: .syntax)
    /// Includes or blocks nested deeper than allowed.
    public static let tooDeep = Self(backing: .tooDeep)
    /// A file that includes itself, directly or not.
    public static let includeCycle = Self(backing: .includeCycle)
    /// More files than allowed.
    public static let tooManyFiles = Self(backing: .tooManyFiles)
    /// Neither the name nor the content tells which server the file is for.
    public static let unknownServer = Self(backing: .unknownServer)
}

extension StapleError where Code == LintErrorCode {
    /// An error at `location` (line 0 for a whole file).
    public init(_ code: Code, at location: SourceLocation, _ reason: String, file: String = #fileID, line: UInt = #line) {
        self.init(code, subject: location, reason: reason, file: file, line: line)
    }

    /// The file and line at fault.
    public var location: SourceLocation { subject ?? SourceLocation(file: "", line: 0) }
}
