import COpenSSL

/// A TLS failure: a stable code and a reason that includes OpenSSL's own error text.
///
/// Equality compares the code only.
public struct TLSError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let configuration = Code(rawValue: "configuration")
        public static let handshakeFailed = Code(rawValue: "handshake-failed")
        public static let handshakeTimeout = Code(rawValue: "handshake-timeout")
        public static let protocolError = Code(rawValue: "protocol-error")
        public static let closedBeforeHandshake = Code(rawValue: "closed-before-handshake")
        public static let uncleanShutdown = Code(rawValue: "unclean-shutdown")
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
    public var description: String { "TLS \(code): \(reason)" }

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
