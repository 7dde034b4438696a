import NIOCore

/// What a completed handshake settled, fired as a user inbound event.
public struct TLSHandshakeCompleted: Sendable, Equatable {
    /// The ALPN protocol both sides agreed on, if any.
    public var negotiatedProtocol: String?
    /// `TLSv1.2` or `TLSv1.3`.
    public var version: String
    /// Client side: the staple the server sent, byte for byte; nil when it sent none.
    public var stapledResponse: [UInt8]?
    /// Client side: the certificates the server sent, leaf first, as DER.
    public var peerCertificateChain: [[UInt8]]
}

/// TLS over OpenSSL 3 inside a SwiftNIO pipeline, for a server (which staples through its context's
/// ``StapleProvider``) or a client (which requests a staple and reports it).
///
/// Inbound ciphertext becomes plaintext `ByteBuffer`s; outbound plaintext is encrypted on flush.
/// Writes made before the handshake completes wait for it. `close(mode: .output)` sends close_notify
/// and half-closes; a peer's close_notify is surfaced as `ChannelEvent.inputClosed`. Handshakes that
/// take longer than the configured timeout fail with ``TLSError`` `handshakeTimeout`.
public final class OpenSSLTLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private let connection: OpenSSLConnection
    private let isClient: Bool
    private let handshakeTimeout: TimeAmount
    private var machine = TLSStateMachine()
    private var pendingWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private var timeout: Scheduled<Void>?

    public init(server: OpenSSLServerContext) throws {
        connection = try OpenSSLConnection(server: server)
        isClient = false
        handshakeTimeout = server.configuration.handshakeTimeout
    }

    public init(client: OpenSSLClientContext) throws {
        connection = try OpenSSLConnection(client: client)
        isClient = true
        handshakeTimeout = client.configuration.handshakeTimeout
    }

    // MARK: - Lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { becomeActive(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        becomeActive(context: context)
        context.fireChannelActive()
    }

    private func becomeActive(context: ChannelHandlerContext) {
        let action = machine.channelActive(isClient: isClient)
        guard machine.state == .handshaking, timeout == nil else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timeout = context.eventLoop.scheduleTask(in: handshakeTimeout) {
            let (handler, context) = loopBound.value
            guard !handler.machine.isHandshakeComplete, handler.machine.state != .closed else { return }
            handler.fail(
                context: context,
                TLSError(.handshakeTimeout, "no completed handshake within \(handler.handshakeTimeout)"))
        }
        if action == .startHandshake { advanceHandshake(context: context) }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        let wasHandshaking = machine.state == .handshaking
        machine.channelInactive()
        timeout?.cancel()
        failPendingWrites(TLSError(.closedBeforeHandshake, "connection closed"))
        if wasHandshaking {
            context.fireErrorCaught(TLSError(.closedBeforeHandshake, "peer closed during the handshake"))
        }
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
        failPendingWrites(TLSError(.closedBeforeHandshake, "TLS handler removed"))
    }

    // MARK: - Inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection.receive(unwrapInboundIn(data))
        switch machine.bytesReceived() {
        case .continueHandshake: advanceHandshake(context: context)
        case .readPlaintext: readPlaintext(context: context)
        default: break
        }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent {
            // The peer's TCP side ended. Before the handshake that is a failure; after it, it is a
            // half-close without close_notify, which many clients do: pass it on.
            if !machine.isHandshakeComplete {
                fail(context: context, TLSError(.closedBeforeHandshake, "peer ended its side during the handshake"))
                return
            }
            machine.closeNotifyReceived()
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func advanceHandshake(context: ChannelHandlerContext) {
        switch connection.handshake() {
        case .wantRead:
            flushCiphertext(context: context)
        case .failed(let error):
            flushCiphertext(context: context)
            fail(context: context, error)
        case .complete:
            machine.handshakeCompleted()
            timeout?.cancel()
            flushCiphertext(context: context)
            context.fireUserInboundEventTriggered(
                TLSHandshakeCompleted(
                    negotiatedProtocol: connection.negotiatedProtocol, version: connection.version,
                    stapledResponse: isClient ? connection.stapledResponse : nil,
                    peerCertificateChain: isClient ? connection.peerCertificateChain : []
                )
            )
            writePending(context: context)
            readPlaintext(context: context)
        }
    }

    private func readPlaintext(context: ChannelHandlerContext) {
        var delivered = false
        loop: while true {
            switch connection.read(allocator: context.channel.allocator) {
            case .plaintext(let buffer):
                delivered = true
                context.fireChannelRead(wrapInboundOut(buffer))
            case .wantRead:
                break loop
            case .closeNotify:
                machine.closeNotifyReceived()
                flushCiphertext(context: context)
                if delivered { context.fireChannelReadComplete() }
                context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
                if machine.state == .closed { context.close(promise: nil) }
                return
            case .failed(let error):
                fail(context: context, error)
                return
            }
        }
        // Reading can produce output too (TLS 1.3 key updates, session tickets).
        flushCiphertext(context: context)
        if delivered { context.fireChannelReadComplete() }
    }

    // MARK: - Outbound

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        switch machine.write() {
        case .failWrite: promise?.fail(ChannelError.outputClosed)
        default: pendingWrites.append((buffer, promise))
        }
    }

    public func flush(context: ChannelHandlerContext) {
        if machine.isHandshakeComplete { writePending(context: context) }
    }

    private func writePending(context: ChannelHandlerContext) {
        guard !pendingWrites.isEmpty else { return }
        let writes = pendingWrites
        pendingWrites.removeAll(keepingCapacity: true)
        for (buffer, promise) in writes {
            if let error = connection.write(buffer) {
                promise?.fail(error)
                fail(context: context, error)
                return
            }
            if let output = connection.pendingOutput(allocator: context.channel.allocator) {
                context.write(wrapOutboundOut(output), promise: promise)
            } else {
                promise?.succeed()
            }
        }
        context.flush()
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        let action = mode == .output ? machine.closeOutput() : machine.close()
        switch action {
        case .sendCloseNotifyAndCloseOutput:
            writePending(context: context)
            connection.shutdown()
            flushCiphertext(context: context)
            context.close(mode: .output, promise: promise)
        case .sendCloseNotifyAndClose:
            writePending(context: context)
            connection.shutdown()
            flushCiphertext(context: context)
            context.close(mode: .all, promise: promise)
        case .closeNow:
            failPendingWrites(ChannelError.ioOnClosedChannel)
            context.close(mode: .all, promise: promise)
        default:
            context.close(mode: mode, promise: promise)
        }
    }

    // MARK: - Helpers

    private func flushCiphertext(context: ChannelHandlerContext) {
        guard let output = connection.pendingOutput(allocator: context.channel.allocator) else { return }
        context.writeAndFlush(wrapOutboundOut(output), promise: nil)
    }

    private func fail(context: ChannelHandlerContext, _ error: any Error) {
        timeout?.cancel()
        failPendingWrites(error)
        context.fireErrorCaught(error)
        if machine.state != .closed {
            _ = machine.close()
            context.close(promise: nil)
        }
    }

    private func failPendingWrites(_ error: any Error) {
        let writes = pendingWrites
        pendingWrites.removeAll()
        for (_, promise) in writes { promise?.fail(error) }
    }
}

@available(*, unavailable)
extension OpenSSLTLSHandler: Sendable {}
