internal import COpenSSL
import OCSPCore

/// A TLS failure; the reason includes OpenSSL's own error text.
package typealias TLSError = StapleError<TLSErrorCode>

/// The codes of ``TLSError``.
package struct TLSErrorCode: StapleErrorCode {
    private enum Backing: String {
        case configuration
        case handshakeFailed = "handshake-failed"
        case handshakeTimeout = "handshake-timeout"
        case protocolError = "protocol-error"
        case closedBeforeHandshake = "closed-before-handshake"
    }
    private let backing: Backing
    package var description: String { backing.rawValue }

    /// A certificate, key or setting OpenSSL refused.
    package static let configuration = Self(backing: .configuration)
    /// The peer's handshake failed (alert, no shared cipher, not TLS).
    package static let handshakeFailed = Self(backing: .handshakeFailed)
    /// The handshake did not complete in time.
    package static let handshakeTimeout = Self(backing: .handshakeTimeout)
    /// A TLS record or state OpenSSL refused after the handshake.
    package static let protocolError = Self(backing: .protocolError)
    /// The connection closed before the handshake completed.
    package static let closedBeforeHandshake = Self(backing: .closedBeforeHandshake)
}

extension StapleError where Code == TLSErrorCode {
    /// An error carrying and clearing OpenSSL's error queue for this thread.
    static func openSSL(_ code: Code, _ what: String) -> TLSError {
        TLSError(code, "\(what): \(drainErrorQueue())")
    }

    /// OpenSSL's queued errors, oldest first, as text; empties the queue.
    static func drainErrorQueue() -> String {
        var messages: [String] = []
        while case let error = ERR_get_error(), error != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(error, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages.isEmpty ? "no OpenSSL error queued" : messages.joined(separator: "; ")
    }
}
