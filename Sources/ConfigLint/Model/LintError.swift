import OCSPCore

/// Why a configuration could not be linted; the subject is the file and line.
package typealias LintError = StapleError<LintErrorCode>

/// The codes of ``LintError``.
package struct LintErrorCode: StapleErrorCode {
    package typealias Subject = SourceLocation

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
    package var description: String { backing.rawValue }

    /// A file that is missing, unreadable, a device or a FIFO.
    package static let unreadable = Self(backing: .unreadable)
    /// A file, or all files together, over the size bounds.
    package static let tooLarge = Self(backing: .tooLarge)
    /// NUL bytes or invalid UTF-8.
    package static let binary = Self(backing: .binary)
    /// A configuration the parser cannot read.
    package static let syntax = Self(backing: .syntax)
    /// Includes or blocks nested deeper than allowed.
    package static let tooDeep = Self(backing: .tooDeep)
    /// A file that includes itself, directly or not.
    package static let includeCycle = Self(backing: .includeCycle)
    /// More files than allowed.
    package static let tooManyFiles = Self(backing: .tooManyFiles)
    /// Neither the name nor the content tells which server the file is for.
    package static let unknownServer = Self(backing: .unknownServer)
}

extension StapleError where Code == LintErrorCode {
    /// An error at `location` (line 0 for a whole file).
    package init(
        _ code: Code, at location: SourceLocation, _ reason: String, file: String = #fileID, line: UInt = #line
    ) {
        self.init(code, subject: location, reason: reason, file: file, line: line)
    }

    /// The file and line at fault.
    package var location: SourceLocation { subject ?? SourceLocation(file: "", line: 0) }
}
