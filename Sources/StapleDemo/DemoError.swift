import OCSPCore

/// Something the demo needs could not be made or started; the subject is the program, file or port.
package typealias DemoError = StapleError<DemoErrorCode>

/// The codes of ``DemoError``.
package struct DemoErrorCode: StapleErrorCode {
    private enum Backing: String {
        case toolMissing = "tool-missing"
        case cannotStart = "cannot-start"
        case pkiFailed = "pki-failed"
        case directoryFailed = "directory-failed"
        case nginxFailed = "nginx-failed"
    }
    private let backing: Backing
    package var description: String { backing.rawValue }

    /// A program the demo needs is not installed (the reason names the Debian package).
    package static let toolMissing = Self(backing: .toolMissing)
    /// A program could not be started, or exited or never listened where it should.
    package static let cannotStart = Self(backing: .cannotStart)
    /// `openssl` failed while making the throwaway PKI, or a staple could not be made.
    package static let pkiFailed = Self(backing: .pkiFailed)
    /// The temporary directory could not be made or written.
    package static let directoryFailed = Self(backing: .directoryFailed)
    /// nginx is installed but would not start or listen (step 3 is then not shown; the demo goes on).
    package static let nginxFailed = Self(backing: .nginxFailed)
}
