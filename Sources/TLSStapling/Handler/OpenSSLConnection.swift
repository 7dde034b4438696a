internal import COpenSSL
import NIOCore

/// One OpenSSL `SSL` driven through a pair of memory BIOs: ciphertext in, ciphertext out.
///
/// Not thread-safe: owned by one handler on one event loop.
final class OpenSSLConnection {
    private let ssl: OpaquePointer
    private let networkIn: OpaquePointer
    private let networkOut: OpaquePointer
    /// Keeps the context, and so its callbacks' argument, alive as long as this connection.
    private let owner: AnyObject

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
        buffer.withUnsafeReadableBytes { bytes -> TLSError? in
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
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .complete }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wantRead
        default: return .failed(.openSSL(.handshakeFailed, "handshake"))
        }
    }

    /// Decrypts one chunk of application data, at most 16 KiB (one TLS record).
    func read(allocator: ByteBufferAllocator) -> Read {
        ERR_clear_error()
        var buffer = allocator.buffer(capacity: 16_384)
        var result: Int32 = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 16_384) { bytes in
            result = SSL_read(ssl, bytes.baseAddress, Int32(bytes.count))
            return Int(max(0, result))
        }
        if result > 0 { return .plaintext(buffer) }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wantRead
        case SSL_ERROR_ZERO_RETURN: return .closeNotify
        default: return .failed(.openSSL(.protocolError, "read"))
        }
    }

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

    var version: String { String(cString: SSL_get_version(ssl)) }

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
