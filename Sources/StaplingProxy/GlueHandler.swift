import NIOCore

/// Joins two channels byte for byte: what one reads, the other writes. Backpressure follows
/// writability (a side reads only while its partner can write), half-closes are passed on, and
/// when either side goes away the other is closed.
///
/// The client-facing handler can start without a partner: it connects the backend when the first
/// plaintext byte arrives, so TLS handshakes (scanners, health checks, failed handshakes) never
/// cost a backend connection. What arrives before the backend is connected is held (one read's
/// worth: no more reads are issued meanwhile) and written once it is.
final class GlueHandler: ChannelDuplexHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    /// Connects the backend and returns its handler, already in the backend channel's pipeline
    /// (bound to this channel's event loop, where the backend channel runs too).
    typealias Connector = (ChannelHandlerContext) -> EventLoopFuture<NIOLoopBound<GlueHandler>>

    private var partner: GlueHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false
    private var connector: Connector?
    private var connecting = false
    private var held: [NIOAny] = []
    private var inputEndedWhileConnecting = false

    private init(connector: Connector? = nil) {
        self.connector = connector
    }

    /// Two handlers joined from the start.
    static func matchedPair() -> (GlueHandler, GlueHandler) {
        let first = GlueHandler()
        let second = GlueHandler()
        first.partner = second
        second.partner = first
        return (first, second)
    }

    /// A client-facing handler that connects its partner with `connector` on the first byte.
    static func connectingOnFirstByte(_ connector: @escaping Connector) -> GlueHandler {
        GlueHandler(connector: connector)
    }

    /// The backend side for a handler made with ``connectingOnFirstByte(_:)``.
    static func backendSide() -> GlueHandler { GlueHandler() }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    // MARK: - What the partner asks of this side

    private func partnerWrite(_ data: NIOAny) { context?.write(data, promise: nil) }

    private func partnerFlush() { context?.flush() }

    private func partnerEndedInput() { context?.close(mode: .output, promise: nil) }

    private func partnerClosed() { context?.close(promise: nil) }

    private func partnerBecameWritable() {
        guard pendingRead, let context else { return }
        pendingRead = false
        context.read()
    }

    private var isWritable: Bool { context?.channel.isWritable ?? false }

    // MARK: - Connecting the backend on the first byte

    private func connectPartner(context: ChannelHandlerContext) {
        guard let connector, !connecting else { return }
        connecting = true
        // The backend is connected on this channel's event loop, so the result arrives on it too.
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        connector(context).hop(to: context.eventLoop).whenComplete { result in
            bound.value.partnerConnected(result)
        }
    }

    private func partnerConnected(_ result: Result<NIOLoopBound<GlueHandler>, any Error>) {
        connecting = false
        connector = nil
        switch result {
        case .failure:
            held.removeAll()
            context?.close(promise: nil)
        case .success(let bound):
            let backend = bound.value
            guard let context else {
                backend.partnerClosed()
                return
            }
            partner = backend
            backend.partner = self
            for data in held { backend.partnerWrite(data) }
            held.removeAll()
            backend.partnerFlush()
            if inputEndedWhileConnecting { backend.partnerEndedInput() }
            if pendingRead, backend.isWritable {
                pendingRead = false
                context.read()
            }
        }
    }

    // MARK: - Events on this side

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let partner {
            partner.partnerWrite(data)
        } else if connector != nil {
            held.append(data)
            connectPartner(context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.partnerFlush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.partnerClosed()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent {
            if let partner {
                partner.partnerEndedInput()
            } else if connecting {
                inputEndedWhileConnecting = true
            } else {
                // The client ended its side without sending anything: nothing to proxy.
                context.close(promise: nil)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        partner?.partnerClosed()
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if let partner {
            if partner.isWritable { context.read() } else { pendingRead = true }
        } else if connector != nil, !connecting {
            // Not started yet: the TLS handshake below needs reads.
            context.read()
        } else {
            pendingRead = true
        }
    }
}
