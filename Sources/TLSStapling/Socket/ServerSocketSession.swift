import NIOCore

/// A server TLS handshake made by OpenSSL directly on a connected, non-blocking socket, outside any
/// channel: the caller drives it on readiness, then either ends it (the peer only said
/// close_notify) or hands it to a channel with ``OpenSSLTLSHandler/init(handingOff:)``.
///
/// Uses the server context as ``OpenSSLTLSHandler/init(server:)`` does (SNI, ALPN, the status
/// callback and its staple lookup, tickets and session settings). Not thread-safe: one thread at a
/// time drives it. The socket stays the caller's: the session never closes it.
package struct ServerSocketSession {
    let connection: OpenSSLConnection

    /// - Throws: ``TLSError`` (`configuration`) when OpenSSL cannot make the `SSL`.
    package init(context: OpenSSLServerContext, socket descriptor: Int32) throws {
        connection = try OpenSSLConnection(server: context, socket: descriptor)
    }

    package enum Step: Equatable {
        case complete
        /// OpenSSL waits for the socket (readable, or writable).
        case wantIO
        case failed(TLSError)
    }

    /// Runs the handshake as far as the socket allows; `complete` once the server's last flight
    /// (TLS 1.3 session tickets included) is written.
    package mutating func handshake() -> Step {
        switch connection.handshake() {
        case .complete: .complete
        case .wantRead: .wantIO
        case .failed(let error): .failed(error)
        }
    }

    package enum FirstRecord: Equatable {
        /// Application data came: hand the session to a channel, which reads it.
        case applicationData
        /// The peer ended the session before sending anything: answer with ``closeNotify()``, close.
        case closeNotify
        /// No whole record yet.
        case wantIO
        case failed(TLSError)
    }

    /// After the handshake: what the peer's first record is, without consuming it.
    package mutating func firstRecord() -> FirstRecord {
        switch connection.peekFirstRecord() {
        case .applicationData: .applicationData
        case .closeNotify: .closeNotify
        case .wantRead: .wantIO
        case .failed(let error): .failed(error)
        }
    }

    /// Whether the last step stopped because the socket could not take more (then only a writable
    /// socket lets it go on).
    package var waitsToWrite: Bool { connection.waitsToWrite }

    /// Sends close_notify on the socket (best effort: a full socket buffer drops it, as a peer that
    /// has gone does not read it anyway).
    package mutating func closeNotify() { connection.shutdown() }

    /// The handshake timeout of `context`: what a channel's handler would arm.
    package static func handshakeTimeout(of context: OpenSSLServerContext) -> TimeAmount {
        context.configuration.handshakeTimeout
    }
}

/// `@unchecked Sendable`: a session moves from the thread that made its handshake to one event loop,
/// and the first thread never touches it again (the hand-off is the only crossing).
extension ServerSocketSession: @unchecked Sendable {}
