import OCSPCore

/// A loopback socket or a private server's files could not be made; the subject is the address or path.
package typealias LoopbackError = StapleError<LoopbackErrorCode>

/// The codes of ``LoopbackError``.
package struct LoopbackErrorCode: StapleErrorCode {
    private enum Backing: String {
        case socketFailed = "socket-failed"
        case writeFailed = "write-failed"
    }
    private let backing: Backing
    package var description: String { backing.rawValue }

    /// A loopback socket could not be made, bound or named (the reason has the errno).
    package static let socketFailed = Self(backing: .socketFailed)
    /// A private server's directories or configuration file could not be written.
    package static let writeFailed = Self(backing: .writeFailed)
}
