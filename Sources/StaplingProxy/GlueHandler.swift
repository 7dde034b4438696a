import NIOCore

/// Joins two channels byte for byte: what one reads, the other writes. Backpressure follows
/// writability (a side reads only while its partner can write), half-closes are passed on, and
/// when either side goes away the other is closed.
///
/// Used in pairs from ``matchedPair()``, one handler at the end of each channel's pipeline.
final class GlueHandler: ChannelDuplexHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private var partner: GlueHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false

    private init() {}

    static func matchedPair() -> (GlueHandler, GlueHandler) {
        let first = GlueHandler(), second = GlueHandler()
        first.partner = second
        second.partner = first
        return (first, second)
    }

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

    // MARK: - Events on this side

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { partner?.partnerWrite(data) }

    func channelReadComplete(context: ChannelHandlerContext) { partner?.partnerFlush() }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.partnerClosed()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent {
            partner?.partnerEndedInput()
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
        if partner?.isWritable ?? false {
            context.read()
        } else {
            pendingRead = true
        }
    }
}
