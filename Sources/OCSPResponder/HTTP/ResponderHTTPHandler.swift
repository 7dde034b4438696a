import NIOCore
import NIOHTTP1

/// Sent down a connection's pipeline when the server drains: finish the current request, then close.
struct DrainEvent: Sendable {}

/// One connection's HTTP/1.1 exchanges: collects a request (bounded in size and time), answers
/// it from ``ResponderState``, keeps the connection alive when the client allows it.
final class ResponderHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    /// Whole responses, made by ``ResponseBytes``: no HTTP encoder after this handler.
    typealias OutboundOut = ByteBuffer

    private enum State {
        /// Waiting for a request head (the idle deadline runs).
        case idle
        /// Reading a request body (the request deadline runs).
        case reading(HTTPRequestHead, ByteBuffer)
        /// The body was too large: the rest is dropped, 413 is sent at the end.
        case discarding(HTTPRequestHead)
    }

    /// The two deadlines. Each has at most one timer, which is not moved when the deadline moves
    /// (every request moves both): when it fires, it closes the connection if its deadline has
    /// passed and still applies, or waits again until the new deadline. Rescheduling a timer per
    /// request was an eighth of the CPU time of a cached answer.
    private enum Deadline {
        case idle
        case request
    }

    private let state: ResponderState
    private let limits: ResponderLimits
    private var phase = State.idle
    private var idleDeadline = NIODeadline.distantFuture
    private var requestDeadline = NIODeadline.distantFuture
    private var idleTimer: Scheduled<Void>?
    private var requestTimer: Scheduled<Void>?
    private var draining = false
    /// A request head is in and its answer is not yet written.
    private var busy = false

    init(state: ResponderState, limits: ResponderLimits) {
        self.state = state
        self.limits = limits
    }

    /// Sets up a new connection's pipeline: NIO's HTTP/1.1 request decoder, then this handler.
    static func configure(
        _ pipeline: ChannelPipeline.SynchronousOperations, state: ResponderState, limits: ResponderLimits
    ) throws {
        // Two handlers: no response encoder (the handler writes whole responses, ``ResponseBytes``),
        // no pipelining assistant and no protocol error handler (the handler answers each request
        // synchronously as it ends, so pipelined answers keep their order, and answers parse errors
        // itself).
        try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
        try pipeline.addHandler(ResponderHTTPHandler(state: state, limits: limits))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(.idle, context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(.idle, context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), phase) {
        case (.head(let head), .idle):
            busy = true
            arm(.request, context)
            if let length = head.headers.first(name: "content-length").flatMap(Int.init),
                length > limits.maximumBodySize
            {
                phase = .discarding(head)
            } else {
                phase = .reading(head, context.channel.allocator.buffer(capacity: 0))
            }
        case (.body(var chunk), .reading(let head, var body)):
            if body.readableBytes + chunk.readableBytes > limits.maximumBodySize {
                phase = .discarding(head)
            } else {
                body.writeBuffer(&chunk)
                phase = .reading(head, body)
            }
        case (.body, .discarding):
            break
        case (.end, .reading(let head, let body)):
            phase = .idle
            respond(context, head: head, answer: state.answer(request(head, body: body)))
        case (.end, .discarding(let head)):
            phase = .idle
            let answer = RequestHandler.httpError(413, .tooLarge)
            state.metrics.answered(method: head.method.rawValue, answer)
            respond(context, head: head, answer: answer, close: true)
        default:
            // Parts out of order cannot come from NIO's decoder; drop the connection rather than guess.
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is DrainEvent {
            draining = true
            if !busy { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The decoder's parse errors (not HTTP, a head over 80 KiB): 400, then close. The decoder
        // reads nothing more after an error, and answers are written synchronously, so no other
        // answer can be in flight. Any other error: close.
        guard error is HTTPParserError, context.channel.isActive else {
            context.close(promise: nil)
            return
        }
        cancelTimers()
        let answer = ResponderAnswer(
            status: 400, headers: [("Cache-Control", RequestHandler.noCache)], outcome: .badRequest)
        state.metrics.answered(method: "other", answer)
        let bytes = ResponseBytes.make(
            answer, version: .http1_1, keepAlive: false, includeBody: false, allocator: context.channel.allocator)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in channel.close(promise: nil) }
    }

    private func request(_ head: HTTPRequestHead, body: ByteBuffer) -> ResponderRequest {
        ResponderRequest(
            method: head.method.rawValue, uri: head.uri, contentType: head.headers.first(name: "content-type"),
            body: Array(body.readableBytesView), ifNoneMatch: head.headers.first(name: "if-none-match"),
            ifModifiedSince: head.headers.first(name: "if-modified-since"))
    }

    private func respond(
        _ context: ChannelHandlerContext, head: HTTPRequestHead, answer: ResponderAnswer, close: Bool = false
    ) {
        let keepAlive = head.isKeepAlive && !close && !draining
        let bytes = ResponseBytes.make(
            answer, version: head.version, keepAlive: keepAlive, includeBody: head.method != .HEAD,
            allocator: context.channel.allocator)
        busy = false
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
            arm(.idle, context)
        } else {
            // One write and one flush, then the close.
            cancelTimers()
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// Moves `deadline` to its timeout from now, and makes sure a timer watches it.
    private func arm(_ deadline: Deadline, _ context: ChannelHandlerContext) {
        switch deadline {
        case .idle:
            idleDeadline = .now() + .nanoseconds(Int64(limits.idleTimeout * 1e9))
            if idleTimer == nil { idleTimer = schedule(.idle, at: idleDeadline, context) }
        case .request:
            requestDeadline = .now() + .nanoseconds(Int64(limits.requestTimeout * 1e9))
            if requestTimer == nil { requestTimer = schedule(.request, at: requestDeadline, context) }
        }
    }

    private func schedule(
        _ deadline: Deadline, at time: NIODeadline, _ context: ChannelHandlerContext
    )
        -> Scheduled<Void>
    {
        let channel = context.channel
        return context.eventLoop.assumeIsolated().scheduleTask(deadline: time) { [self] in
            fired(deadline, channel: channel, context)
        }
    }

    /// A timer fired: close if its deadline passed while it applies (idle: no request in progress;
    /// request: one in progress), wait again if the deadline moved, forget it if it does not apply.
    private func fired(_ deadline: Deadline, channel: any Channel, _ context: ChannelHandlerContext) {
        let applies = deadline == .idle ? !busy : busy
        let time = deadline == .idle ? idleDeadline : requestDeadline
        var next: Scheduled<Void>?
        if applies {
            if NIODeadline.now() >= time {
                channel.close(promise: nil)
            } else {
                next = schedule(deadline, at: time, context)
            }
        }
        switch deadline {
        case .idle: idleTimer = next
        case .request: requestTimer = next
        }
    }

    private func cancelTimers() {
        idleTimer?.cancel()
        requestTimer?.cancel()
        idleTimer = nil
        requestTimer = nil
    }
}
