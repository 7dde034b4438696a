internal import COpenSSL
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One OpenSSL `SSL` driven through a pair of memory BIOs: ciphertext in, ciphertext out; or, for a
/// server handshake made outside a channel (``ServerSocketSession``), on the socket itself until
/// ``moveToMemoryBIOs()``.
///
/// Not thread-safe: owned by one thread at a time (the front's, then one handler's event loop).
final class OpenSSLConnection {
    private let ssl: OpaquePointer
    /// Nil while OpenSSL reads and writes the socket directly.
    private var networkIn: OpaquePointer?
    private var networkOut: OpaquePointer?
    /// Keeps the context, and so its callbacks' argument, alive as long as this connection.
    private let owner: AnyObject
    /// The socket OpenSSL writes to directly (``init(server:socket:)``), until the move to memory BIOs.
    private var socket: Int32?

    enum Step: Equatable {
        case complete
        case wantRead
        case failed(TLSError)
    }

    enum Read: Equatable {
        case plaintext(ByteBuffer)
        case wantRead
        case closeNotify
        case failed(TLSError)
    }

    init(server: OpenSSLServerContext) throws {
        guard let ssl = SSL_new(server.defaultContext) else { throw TLSError.openSSL(.configuration, "SSL_new") }
        self.ssl = ssl
        self.owner = server
        (networkIn, networkOut) = Self.attachBIOs(ssl)
        SSL_set_accept_state(ssl)
    }

    /// A server connection whose handshake OpenSSL makes on the connected socket `descriptor`
    /// (a socket BIO that does not close it).
    init(server: OpenSSLServerContext, socket descriptor: Int32) throws {
        guard let ssl = SSL_new(server.defaultContext) else { throw TLSError.openSSL(.configuration, "SSL_new") }
        self.ssl = ssl
        self.owner = server
        self.socket = descriptor
        // Thrown after every field is set, so deinit frees `ssl`.
        guard SSL_set_fd(ssl, descriptor) == 1 else {
            throw TLSError.openSSL(.configuration, "SSL_set_fd")
        }
        // As nginx: OpenSSL reads what the socket has, not one record header and body at a time (half
        // the reads). Bytes read beyond the handshake stay in the `SSL` and survive the move to memory
        // BIOs, where `read` finds them through `SSL_has_pending`.
        SSL_set_read_ahead(ssl, 1)
        SSL_set_accept_state(ssl)
    }

    init(client: OpenSSLClientContext) throws {
        guard let ssl = SSL_new(client.context) else { throw TLSError.openSSL(.configuration, "SSL_new") }
        self.ssl = ssl
        self.owner = client
        (networkIn, networkOut) = Self.attachBIOs(ssl)
        let configuration = client.configuration
        if configuration.requestStatus {
            staple_SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp)
        }
        if let name = configuration.serverName { staple_SSL_set_tlsext_host_name(ssl, name) }
        if !client.alpnWire.isEmpty {
            client.alpnWire.withUnsafeBufferPointer { _ = SSL_set_alpn_protos(ssl, $0.baseAddress, UInt32($0.count)) }
        }
        SSL_set_connect_state(ssl)
    }

    deinit { SSL_free(ssl) }  // frees both BIOs too

    /// Replaces the socket BIO with memory BIOs (freeing the socket BIO, which leaves the socket open),
    /// so that a channel can drive the connection from now on. What OpenSSL has already read and
    /// decrypted stays in the `SSL` (`SSL_has_pending`), and ``read(allocator:)`` delivers it.
    func moveToMemoryBIOs() {
        guard networkIn == nil else { return }
        socket = nil
        (networkIn, networkOut) = Self.attachBIOs(ssl)
    }

    private static func attachBIOs(_ ssl: OpaquePointer) -> (OpaquePointer, OpaquePointer) {
        let input = BIO_new(BIO_s_mem())!
        let output = BIO_new(BIO_s_mem())!
        SSL_set_bio(ssl, input, output)
        return (input, output)
    }

    /// Hands ciphertext received from the network to OpenSSL.
    ///
    /// - Returns: nil, or the error when the memory BIO could not take all of `buffer` (it grows
    ///   as needed, so only a failed allocation refuses bytes).
    func receive(_ buffer: ByteBuffer) -> TLSError? {
        guard let networkIn else { return TLSError(.protocolError, "ciphertext given to a connection on its socket") }
        return buffer.withUnsafeReadableBytes { bytes -> TLSError? in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
            guard bytes.count <= Int32.max else {
                return TLSError(.protocolError, "\(bytes.count) bytes of ciphertext in one read")
            }
            let written = BIO_write(networkIn, base, Int32(bytes.count))
            guard written == Int32(bytes.count) else {
                return .openSSL(.protocolError, "BIO_write took \(written) of \(bytes.count) bytes")
            }
            return nil
        }
    }

    /// Ciphertext OpenSSL wants sent, if any.
    func pendingOutput(allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard let networkOut else { return nil }
        let pending = staple_BIO_pending(networkOut)
        guard pending > 0 else { return nil }
        var buffer = allocator.buffer(capacity: Int(pending))
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Int(pending)) { bytes in
            Int(max(0, BIO_read(networkOut, bytes.baseAddress, Int32(pending))))
        }
        return buffer
    }

    func handshake() -> Step {
        ERR_clear_error()
        let result = withTicketsCorked { SSL_do_handshake(ssl) }
        if result == 1 { return .complete }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wantRead
        default: return .failed(.openSSL(.handshakeFailed, "handshake"))
        }
    }

    /// On a socket, in TLS 1.3 once the server's Finished is out (the call that reads the client's
    /// Finished): runs `body` with the socket corked, so that the session tickets, which OpenSSL writes
    /// with one `write` each, leave in one segment when the cork comes off at its end. Each segment
    /// costs the sender its way through both ends of the loopback or local network stack.
    private func withTicketsCorked(_ body: () -> Int32) -> Int32 {
        guard let socket, SSL_version(ssl) == TLS1_3_VERSION, SSL_get_state(ssl) == TLS_ST_EARLY_DATA else {
            return body()
        }
        var on: Int32 = 1
        var off: Int32 = 0
        let size = socklen_t(MemoryLayout<Int32>.size)
        let corked = setsockopt(socket, Int32(IPPROTO_TCP), TCP_CORK, &on, size) == 0
        let result = body()
        if corked { _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_CORK, &off, size) }
        return result
    }

    /// Decrypts one chunk of application data, at most 16 KiB (one TLS record).
    ///
    /// Nothing is allocated when OpenSSL holds no bytes to work on (the common last call of a read
    /// cycle, and the one after every handshake); otherwise the buffer is sized to what can come out.
    func read(allocator: ByteBufferAllocator) -> Read {
        let ciphertext = networkIn.map { BIO_ctrl_pending($0) } ?? 0
        guard ciphertext > 0 || SSL_has_pending(ssl) == 1 else { return .wantRead }
        ERR_clear_error()
        // Plaintext is never longer than the ciphertext still to decrypt plus what OpenSSL has already
        // decrypted; a record split across reads can give more, which the next call returns.
        let capacity = min(Self.maximumRecord, max(Self.minimumRead, Int(ciphertext) + Int(SSL_pending(ssl))))
        var buffer = allocator.buffer(capacity: capacity)
        var result: Int32 = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { bytes in
            result = SSL_read(ssl, bytes.baseAddress, Int32(min(bytes.count, Self.maximumRecord)))
            return Int(max(0, result))
        }
        if result > 0 { return .plaintext(buffer) }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wantRead
        case SSL_ERROR_ZERO_RETURN: return .closeNotify
        default: return .failed(.openSSL(.protocolError, "read"))
        }
    }

    /// Whether OpenSSL's last call on the socket stopped because the socket could not take more.
    var waitsToWrite: Bool { SSL_want(ssl) == SSL_WRITING }

    enum FirstRecord: Equatable {
        /// Application data is waiting in OpenSSL, decrypted, not consumed.
        case applicationData
        /// The peer's close_notify, before any data.
        case closeNotify
        /// Not a whole record yet.
        case wantRead
        /// The peer left without close_notify, or sent what is not TLS.
        case failed(TLSError)
    }

    /// After the handshake: looks at the peer's first record without consuming it (`SSL_peek`).
    func peekFirstRecord() -> FirstRecord {
        ERR_clear_error()
        var byte: UInt8 = 0
        let result = SSL_peek(ssl, &byte, 1)
        if result > 0 { return .applicationData }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wantRead
        case SSL_ERROR_ZERO_RETURN: return .closeNotify
        default: return .failed(.openSSL(.protocolError, "first record after the handshake"))
        }
    }

    /// The largest plaintext of one TLS record (RFC 8446 §5.1).
    private static let maximumRecord = 16_384
    /// The smallest buffer a read is given, so that a few bytes of ciphertext do not mean many reads.
    private static let minimumRead = 1_024

    /// Encrypts all of `buffer`; memory BIOs never block, so a write either completes or fails.
    func write(_ buffer: ByteBuffer) -> TLSError? {
        ERR_clear_error()
        var failure: TLSError?
        buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
            let result = SSL_write(ssl, base, Int32(bytes.count))
            if result <= 0 { failure = .openSSL(.protocolError, "write") }
        }
        return failure
    }

    /// Queues close_notify.
    func shutdown() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
    }

    // MARK: - What the handshake settled

    var negotiatedProtocol: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// `TLSv1.3`, `TLSv1.2`: OpenSSL's names, as constants for the versions this layer speaks (no
    /// string is built per connection).
    var version: String {
        switch SSL_version(ssl) {
        case TLS1_3_VERSION: "TLSv1.3"
        case TLS1_2_VERSION: "TLSv1.2"
        default: String(cString: SSL_get_version(ssl))
        }
    }

    /// The staple the server sent (client side), byte for byte.
    var stapledResponse: [UInt8]? {
        var data: UnsafePointer<UInt8>?
        let length = staple_SSL_get_tlsext_status_ocsp_resp(ssl, &data)
        guard let data, length > 0 else { return nil }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }

    /// The certificates the peer sent, leaf first, as DER.
    var peerCertificateChain: [[UInt8]] {
        guard let chain = SSL_get_peer_cert_chain(ssl) else { return [] }
        return (0..<staple_sk_X509_num(chain)).compactMap { index in
            staple_sk_X509_value(chain, index).flatMap(derBytes)
        }
    }
}
