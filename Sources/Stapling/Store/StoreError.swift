import OCSPCore

/// A staple store or staple file problem; the subject is the path.
package typealias StoreError = StapleError<StoreErrorCode>

/// The codes of ``StoreError``.
package struct StoreErrorCode: StapleErrorCode {
    private enum Backing: String {
        case directoryUnusable = "directory-unusable"
        case writeFailed = "write-failed"
    }
    private let backing: Backing
    package var description: String { backing.rawValue }

    /// The state directory cannot be created, or is not a directory.
    package static let directoryUnusable = Self(backing: .directoryUnusable)
    /// A file could not be written; the previous one is untouched.
    package static let writeFailed = Self(backing: .writeFailed)
}

extension StapleError where Code == StoreErrorCode {
    /// An error about the file or directory at `path`.
    package init(_ code: Code, path: String, reason: String, file: String = #fileID, line: UInt = #line) {
        self.init(code, subject: path, reason: reason, file: file, line: line)
    }

    /// The file or directory involved.
    package var path: String { subject ?? "" }
}
