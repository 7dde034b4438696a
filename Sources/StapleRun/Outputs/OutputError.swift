import OCSPCore

/// An output that could not do its work; the subject is the file, socket, reload command or
/// `HOST:PORT` involved, the reason what happened (in the server's own words where it gave some).
package typealias OutputError = StapleError<OutputErrorCode>

/// The codes of ``OutputError``.
package struct OutputErrorCode: StapleErrorCode {
    private enum Backing: String {
        case writeFailed = "write-failed"
        case reloadFailed = "reload-failed"
        case unconfirmed
        case invalidAddress = "invalid-address"
        case socketPathTooLong = "socket-path-too-long"
        case unreachable
        case runtimeRefused = "runtime-refused"
    }
    private let backing: Backing
    package var description: String { backing.rawValue }

    /// A staple, snippet, `.ocsp` or `.issuer` file could not be written; the previous one is intact.
    package static let writeFailed = Self(backing: .writeFailed)
    /// The reload command exited non-zero or could not run, or the pid file / process was unusable.
    package static let reloadFailed = Self(backing: .reloadFailed)
    /// After a reload, a handshake to the site did not carry what was installed.
    package static let unconfirmed = Self(backing: .unconfirmed)
    /// A `confirm:` or socket address that cannot be used as written.
    package static let invalidAddress = Self(backing: .invalidAddress)
    /// A Unix socket path longer than HAProxy (and the kernel's `sun_path`) accept.
    package static let socketPathTooLong = Self(backing: .socketPathTooLong)
    /// HAProxy's runtime API could not be reached (connection refused, no such socket, timeout).
    package static let unreachable = Self(backing: .unreachable)
    /// HAProxy answered the runtime API with something else than `OCSP Response updated!`.
    package static let runtimeRefused = Self(backing: .runtimeRefused)
}
