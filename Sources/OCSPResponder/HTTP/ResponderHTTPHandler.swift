import NIOCore
import NIOHTTP1

/// Sent down a connection's pipeline when the server drains: finish the current request, then close.
struct DrainEvent: Sendable {}

/// One connection's HTTP/1.1 exchanges: collects a request (bounded in size and time), answers
/// it from ``ResponderState``, keeps the connection alive when the client allows it.
final class ResponderHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Waiting for a request head (the idle deadline runs).
        case idle
        /// Reading a request body (the request deadline runs).
        case reading(HTTPRequestHead, ByteBuffer)
        /// The body was too large: the rest is dropped, 413 is sent at the end.
        case discarding(HTTPRequestHead)
    }

    private let state: ResponderState
    private let limits: ResponderLimits
    private var phase = State.idle
    private var deadline: Scheduled<Void>?
    private var draining = false
    private var busy = false

    init(state: ResponderState, limits: ResponderLimits) {
        self.state = state
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context, seconds: limits.idleTimeout) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context, seconds: limits.idleTimeout)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), phase) {
        case (.head(let head), .idle):
            busy = true
            arm(context, seconds: limits.requestTimeout)
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
        deadline?.cancel()
        state.metrics.answered(method: "other", ResponderAnswer(status: 400, headers: [], outcome: .badRequest))
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: "0")
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Cache-Control", value: RequestHandler.noCache)
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))),
            promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
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
        var headers = HTTPHeaders()
        headers.reserveCapacity(answer.headers.count + 2)
        for (name, value) in answer.headers { headers.add(name: name, value: value) }
        if answer.status != 304 { headers.add(name: "Content-Length", value: String(answer.body.readableBytes)) }
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let responseHead = HTTPResponseHead(
            version: head.version, status: HTTPResponseStatus(statusCode: answer.status), headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if answer.body.readableBytes > 0, head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(answer.body))), promise: nil)
        }
        busy = false
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            arm(context, seconds: limits.idleTimeout)
        } else {
            deadline?.cancel()
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// Replaces the running deadline: when it passes, the connection is closed.
    private func arm(_ context: ChannelHandlerContext, seconds: Double) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) {
            channel.close(promise: nil)
        }
    }
}
