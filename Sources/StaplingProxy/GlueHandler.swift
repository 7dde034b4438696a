import Logging
import NIOCore

/// Joins two channels byte for byte: what one reads, the other writes. Backpressure follows
/// writability (a side reads only while its partner can write), half-closes are passed on, and
/// when either side goes away the other is closed.
///
/// The client-facing handler can start without a partner: it connects the backend when the first
/// plaintext byte arrives, so TLS handshakes (scanners, health checks, failed handshakes) never
/// cost a backend connection. What arrives before the backend is connected is held (one read's
/// worth: no more reads are issued meanwhile) and written once it is. The decisions are
/// ``GlueStateMachine``'s; this handler performs them.
final class GlueHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = NIOAny
    typealias OutboundOut = ByteBuffer

    /// Connects the backend and returns its handler, already in the backend channel's pipeline
    /// (bound to this channel's event loop, where the backend channel runs too).
    typealias Connector = (ChannelHandlerContext) -> EventLoopFuture<NIOLoopBound<GlueHandler>>

    private var machine: GlueStateMachine
    private var partner: GlueHandler?
    private var context: ChannelHandlerContext?
    private var connector: Connector?
    /// The client-facing side logs its connection's failures (TLS, mostly) at debug level: hostile
    /// peers are routine. Nil for the backend side.
    private let logger: Logger?

    private init(machine: GlueStateMachine, connector: Connector? = nil, logger: Logger? = nil) {
        self.machine = machine
        self.connector = connector
        self.logger = logger
    }

    /// Two handlers joined from the start.
    static func matchedPair() -> (GlueHandler, GlueHandler) {
        let first = GlueHandler(machine: .joined())
        let second = GlueHandler(machine: .joined())
        first.partner = second
        second.partner = first
        return (first, second)
    }

    /// A client-facing handler that connects its partner with `connector` on the first byte and
    /// logs the connection's errors to `logger` at debug level.
    static func connectingOnFirstByte(logger: Logger? = nil, _ connector: @escaping Connector) -> GlueHandler {
        GlueHandler(machine: .connectingOnFirstByte(), connector: connector, logger: logger)
    }

    /// The backend side for a handler made with ``connectingOnFirstByte(_:)``.
    static func backendSide() -> GlueHandler { GlueHandler(machine: .backendSide()) }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    // MARK: - What the partner asks of this side

    private func partnerWrite(_ data: ByteBuffer) { context?.write(wrapOutboundOut(data), promise: nil) }

    private func partnerFlush() { context?.flush() }

    private func partnerEndedInput() { context?.close(mode: .output, promise: nil) }

    private func partnerClosed() {
        switch machine.partnerClosed() {
        case .close: context?.close(promise: nil)
        case .ignore: break
        }
    }

    private func partnerBecameWritable() {
        switch machine.partnerBecameWritable() {
        case .read: context?.read()
        case .ignore: break
        }
    }

    private var isWritable: Bool { context?.channel.isWritable ?? false }

    // MARK: - Connecting the backend on the first byte

    private func connectPartner(context: ChannelHandlerContext) {
        guard let connector else { preconditionFailure("a glue handler without a connector has no first byte") }
        self.connector = nil
        // The backend is connected on this channel's event loop, so the result arrives on it too.
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        connector(context).hop(to: context.eventLoop).whenComplete { result in
            bound.value.partnerConnected(result)
        }
    }

    private func partnerConnected(_ result: Result<NIOLoopBound<GlueHandler>, any Error>) {
        switch result {
        case .failure:
            switch machine.partnerConnectFailed() {
            case .close: context?.close(promise: nil)
            case .ignore: break
            }
        case .success(let bound):
            let backend = bound.value
            switch machine.partnerAttached(partnerWritable: backend.isWritable) {
            case .closePartner:
                backend.partnerClosed()
            case .join(let held, let halfClosePartner, let read):
                partner = backend
                backend.partner = self
                for data in held { backend.partnerWrite(data) }
                backend.partnerFlush()
                if halfClosePartner { backend.partnerEndedInput() }
                if read { context?.read() }
                backend.attached(to: self)
            }
        }
    }

    /// The backend side learns its partner is there.
    private func attached(to front: GlueHandler) {
        switch machine.partnerAttached(partnerWritable: front.isWritable) {
        case .closePartner:
            front.partnerClosed()
        case .join(let held, let halfClosePartner, let read):
            for data in held { front.partnerWrite(data) }
            if !held.isEmpty { front.partnerFlush() }
            if halfClosePartner { front.partnerEndedInput() }
            if read { context?.read() }
        }
    }

    // MARK: - Events on this side

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        switch machine.channelRead(buffer) {
        case .forwardToPartner: partner?.partnerWrite(buffer)
        case .connectPartner: connectPartner(context: context)
        case .hold, .drop: break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        switch machine.channelReadComplete() {
        case .flushPartner: partner?.partnerFlush()
        case .ignore: break
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch machine.channelInactive() {
        case .closePartner: partner?.partnerClosed()
        case .ignore: break
        }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent {
            switch machine.inputEnded() {
            case .halfClosePartner: partner?.partnerEndedInput()
            case .close: context.close(promise: nil)
            case .deferUntilJoined, .ignore: break
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The metadata is built only when debug logging is on (swift-log's autoclosures).
        logger?.debug(
            "Connection error",
            metadata: ["proxy.peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")", "error": "\(error)"])
        switch machine.errorCaught() {
        case .closePartnerAndSelf:
            partner?.partnerClosed()
            context.close(promise: nil)
        case .close:
            context.close(promise: nil)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        switch machine.read(partnerWritable: partner?.isWritable ?? false) {
        case .read: context.read()
        case .wait: break
        }
    }
}
