import NIOCore

/// What a completed handshake settled, fired as a user inbound event.
package struct TLSHandshakeCompleted: Sendable, Equatable {
    /// The ALPN protocol both sides agreed on, if any.
    package var negotiatedProtocol: String?
    /// `TLSv1.2` or `TLSv1.3`.
    package var version: String
    /// Client side: the staple the server sent, byte for byte; nil when it sent none.
    package var stapledResponse: [UInt8]?
    /// Client side: the certificates the server sent, leaf first, as DER.
    package var peerCertificateChain: [[UInt8]]
}

/// TLS over OpenSSL 3 inside a SwiftNIO pipeline, for a server (which staples through its context's
/// ``StapleProvider``) or a client (which requests a staple and reports it).
///
/// Inbound ciphertext becomes plaintext `ByteBuffer`s; outbound plaintext is encrypted as it is
/// written and sent on flush. Writes made before the handshake completes wait for it. `close(mode: .output)` sends close_notify
/// and half-closes; a peer's close_notify is surfaced as `ChannelEvent.inputClosed`. Handshakes that
/// take longer than the configured timeout fail with ``TLSError`` `handshakeTimeout`.
package final class OpenSSLTLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    package typealias InboundIn = ByteBuffer
    package typealias InboundOut = ByteBuffer
    package typealias OutboundIn = ByteBuffer
    package typealias OutboundOut = ByteBuffer

    private let connection: OpenSSLConnection
    private let isClient: Bool
    private let handshakeTimeout: TimeAmount
    private var machine = TLSStateMachine()
    private var pendingWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private var timeout: Scheduled<Void>?
    /// A session handed off after its handshake: what OpenSSL read with it is delivered once the
    /// channel is active.
    private var handedOff = false

    package init(server: OpenSSLServerContext) throws {
        connection = try OpenSSLConnection(server: server)
        isClient = false
        handshakeTimeout = server.configuration.handshakeTimeout
    }

    package init(client: OpenSSLClientContext) throws {
        connection = try OpenSSLConnection(client: client)
        isClient = true
        handshakeTimeout = client.configuration.handshakeTimeout
    }

    /// Takes over a server session whose handshake completed on the socket (``ServerSocketSession``):
    /// its socket BIO is replaced by this handler's memory BIOs, it starts established (no timeout,
    /// no handshake event), and the record OpenSSL already holds is read when the channel is active.
    package init(handingOff session: ServerSocketSession) {
        connection = session.connection
        connection.moveToMemoryBIOs()
        isClient = false
        handshakeTimeout = .zero  // never armed: the handshake is done
        machine = .established()
        handedOff = true
    }

    // MARK: - Lifecycle

    package func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { becomeActive(context: context) }
    }

    package func channelActive(context: ChannelHandlerContext) {
        if handedOff {
            // The handlers behind this one see the channel active before the data that came with it.
            context.fireChannelActive()
            becomeActive(context: context)
            return
        }
        becomeActive(context: context)
        context.fireChannelActive()
    }

    private func becomeActive(context: ChannelHandlerContext) {
        guard handedOff else { return startHandshake(context: context) }
        handedOff = false
        readPlaintext(context: context, completingRead: true)
    }

    private func startHandshake(context: ChannelHandlerContext) {
        switch machine.channelActive(isClient: isClient) {
        case .ignore:
            return
        case .awaitClientHello:
            scheduleTimeout(context: context)
        case .startHandshake:
            scheduleTimeout(context: context)
            advanceHandshake(context: context)
        }
    }

    private func scheduleTimeout(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timeout = context.eventLoop.scheduleTask(in: handshakeTimeout) {
            let (handler, context) = loopBound.value
            switch handler.machine.handshakeTimedOut() {
            case .ignore: break
            case .failHandshake:
                handler.failAndClose(
                    context: context,
                    TLSError(.handshakeTimeout, "no completed handshake within \(handler.handshakeTimeout)"))
            }
        }
    }

    package func channelInactive(context: ChannelHandlerContext) {
        let action = machine.channelInactive()
        timeout?.cancel()
        failPendingWrites(TLSError(.closedBeforeHandshake, "connection closed"))
        switch action {
        case .failHandshake:
            context.fireErrorCaught(TLSError(.closedBeforeHandshake, "peer closed during the handshake"))
        case .forward:
            break
        }
        context.fireChannelInactive()
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
        failPendingWrites(TLSError(.closedBeforeHandshake, "TLS handler removed"))
    }

    // MARK: - Inbound

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch machine.bytesReceived() {
        case .discard:
            return
        case .continueHandshake:
            guard receive(context: context, unwrapInboundIn(data)) else { return }
            advanceHandshake(context: context)
        case .readPlaintext:
            guard receive(context: context, unwrapInboundIn(data)) else { return }
            readPlaintext(context: context)
        }
    }

    /// Hands ciphertext to OpenSSL; false (the connection failed) when it could not take it.
    private func receive(context: ChannelHandlerContext, _ buffer: ByteBuffer) -> Bool {
        guard let error = connection.receive(buffer) else { return true }
        fail(context: context, error)
        return false
    }

    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .some(.inputClosed) = event as? ChannelEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        switch machine.inputEnded() {
        case .failHandshake:
            failAndClose(context: context, TLSError(.closedBeforeHandshake, "peer ended its side during the handshake"))
        case .fireInputClosed:
            context.fireUserInboundEventTriggered(event)
        case .fireInputClosedAndClose:
            context.fireUserInboundEventTriggered(event)
            context.close(promise: nil)
        case .ignore:
            break
        }
    }

    private func advanceHandshake(context: ChannelHandlerContext) {
        switch connection.handshake() {
        case .wantRead:
            flushCiphertext(context: context)
        case .failed(let error):
            flushCiphertext(context: context)
            fail(context: context, error)
        case .complete:
            switch machine.handshakeCompleted() {
            case .reportAndFlushWrites:
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
    }

    /// - Parameter completingRead: fire `channelReadComplete` after what was delivered (outside a
    ///   channel's read cycle, which fires its own).
    private func readPlaintext(context: ChannelHandlerContext, completingRead: Bool = false) {
        var delivered = false
        loop: while true {
            switch connection.read(allocator: context.channel.allocator) {
            case .plaintext(let buffer):
                delivered = true
                context.fireChannelRead(wrapInboundOut(buffer))
            case .wantRead:
                break loop
            case .closeNotify:
                let action = machine.closeNotifyReceived()
                flushCiphertext(context: context)
                if delivered { context.fireChannelReadComplete() }
                switch action {
                case .ignore:
                    break
                case .fireInputClosed:
                    context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
                case .fireInputClosedAndClose:
                    context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
                    context.close(promise: nil)
                }
                return
            case .failed(let error):
                fail(context: context, error)
                return
            }
        }
        // Reading can produce output too (TLS 1.3 key updates, session tickets). The read cycle's
        // channelReadComplete comes from the channel, once, after this.
        flushCiphertext(context: context)
        if completingRead && delivered { context.fireChannelReadComplete() }
    }

    // MARK: - Outbound

    package func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch machine.write() {
        case .buffer:
            pendingWrites.append((unwrapOutboundIn(data), promise))
        case .encrypt:
            encrypt(context: context, unwrapOutboundIn(data), promise: promise)
        case .fail:
            promise?.fail(ChannelError.outputClosed)
        }
    }

    package func flush(context: ChannelHandlerContext) {
        switch machine.flush() {
        case .awaitHandshake: break
        case .flush: context.flush()
        }
    }

    /// Encrypts `buffer` and writes (without flushing) the ciphertext, which completes `promise`.
    ///
    /// - Returns: false when OpenSSL failed, and the connection with it.
    @discardableResult
    private func encrypt(
        context: ChannelHandlerContext, _ buffer: ByteBuffer, promise: EventLoopPromise<Void>?
    )
        -> Bool
    {
        if let error = connection.write(buffer) {
            promise?.fail(error)
            fail(context: context, error)
            return false
        }
        if let output = connection.pendingOutput(allocator: context.channel.allocator) {
            context.write(wrapOutboundOut(output), promise: promise)
        } else {
            promise?.succeed()
        }
        return true
    }

    /// Encrypts and flushes the writes that waited for the handshake.
    private func writePending(context: ChannelHandlerContext) {
        guard !pendingWrites.isEmpty else { return }
        let writes = pendingWrites
        pendingWrites.removeAll(keepingCapacity: false)
        for (index, (buffer, promise)) in writes.enumerated() {
            guard encrypt(context: context, buffer, promise: promise) else {
                for (_, later) in writes[(index + 1)...] { later?.fail(ChannelError.ioOnClosedChannel) }
                return
            }
        }
        context.flush()
    }

    package func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        let action = mode == .output ? machine.closeOutput() : machine.close()
        switch action {
        case .sendCloseNotifyAndCloseOutput:
            sendCloseNotify(context: context)
            context.close(mode: .output, promise: promise)
        case .sendCloseNotifyAndClose:
            sendCloseNotify(context: context)
            context.close(mode: .all, promise: promise)
        case .closeNow:
            timeout?.cancel()
            failPendingWrites(ChannelError.ioOnClosedChannel)
            context.close(mode: .all, promise: promise)
        case .forward:
            context.close(mode: mode, promise: promise)
        }
    }

    // MARK: - Helpers

    private func sendCloseNotify(context: ChannelHandlerContext) {
        writePending(context: context)
        connection.shutdown()
        flushCiphertext(context: context)
    }

    private func flushCiphertext(context: ChannelHandlerContext) {
        guard let output = connection.pendingOutput(allocator: context.channel.allocator) else { return }
        context.writeAndFlush(wrapOutboundOut(output), promise: nil)
    }

    /// OpenSSL failed: the connection ends, unless it has already.
    private func fail(context: ChannelHandlerContext, _ error: any Error) {
        switch machine.failed() {
        case .failAndClose: failAndClose(context: context, error)
        case .report: context.fireErrorCaught(error)
        }
    }

    /// Fails what waits, reports `error` and closes; the machine has already moved to closed.
    private func failAndClose(context: ChannelHandlerContext, _ error: any Error) {
        timeout?.cancel()
        failPendingWrites(error)
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    private func failPendingWrites(_ error: any Error) {
        guard !pendingWrites.isEmpty else { return }
        let writes = pendingWrites
        pendingWrites.removeAll()
        for (_, promise) in writes { promise?.fail(error) }
    }
}

@available(*, unavailable)
extension OpenSSLTLSHandler: Sendable {}
