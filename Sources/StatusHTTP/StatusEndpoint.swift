import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// What the status endpoint answers: `/metrics` from a Prometheus registry, `/healthz` from a
/// liveness probe, `/status` from a JSON document made on request.
///
/// `staple respond` serves `/metrics` and `/healthz`; `staple serve` and `staple run` all three.
package struct StatusRoutes: Sendable {
    /// `GET /metrics`: the Prometheus text exposition format (0.0.4).
    package var registry: PrometheusCollectorRegistry
    /// `GET /healthz`: 200 `ok` while this returns true, 503 `stopping` once it returns false (the
    /// service is shutting down). It says the process and its loop are alive, not that every staple
    /// is good: that is `/status` and the metrics.
    package var healthy: @Sendable () -> Bool
    /// `GET /status`: a JSON document; nil answers 404.
    package var status: (@Sendable () async -> [UInt8])?

    package init(
        registry: PrometheusCollectorRegistry, healthy: @escaping @Sendable () -> Bool = { true },
        status: (@Sendable () async -> [UInt8])? = nil
    ) {
        self.registry = registry
        self.healthy = healthy
        self.status = status
    }
}

/// The one HTTP endpoint for `/metrics`, `/healthz` and `/status` (`--metrics-listen`, `metrics_listen`).
package enum StatusEndpoint {
    /// Binds `host:port` (port 0: the kernel chooses; read it from the channel's `localAddress`) and
    /// serves `routes`; returns the channel (close it to stop).
    package static func start(
        host: String, port: Int, routes: StatusRoutes, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(StatusHandler(routes: routes))
                }
            }
            .bind(host: host, port: port).get()
    }

    /// The answer to one request: status, content type and body.
    package struct Answer: Sendable {
        package var status: HTTPResponseStatus
        package var contentType: String
        package var body: [UInt8]
    }

    /// The routing, for `method path` (the query is ignored).
    package static func answer(method: HTTPMethod, uri: String, routes: StatusRoutes) async -> Answer {
        let path = String(uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        guard method == .GET || method == .HEAD else {
            return Answer(status: .methodNotAllowed, contentType: "text/plain", body: Array("only GET here\n".utf8))
        }
        switch path {
        case "/metrics":
            return Answer(status: .ok, contentType: "text/plain; version=0.0.4", body: routes.registry.emitToBuffer())
        case "/healthz":
            return routes.healthy()
                ? Answer(status: .ok, contentType: "text/plain", body: Array("ok\n".utf8))
                : Answer(status: .serviceUnavailable, contentType: "text/plain", body: Array("stopping\n".utf8))
        case "/status" where routes.status != nil:
            return Answer(status: .ok, contentType: "application/json", body: await routes.status?() ?? [])
        default:
            let paths = ["/metrics", "/healthz"] + (routes.status == nil ? [] : ["/status"])
            return Answer(
                status: .notFound, contentType: "text/plain",
                body: Array("not found; here: \(paths.joined(separator: ", "))\n".utf8))
        }
    }
}

private final class StatusHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: `head` is touched only on the channel's event loop; the answer is computed in a
    // task and written back through `eventLoop.execute`.
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let routes: StatusRoutes
    private var head: HTTPRequestHead?

    init(routes: StatusRoutes) { self.routes = routes }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let routes = self.routes
            let loop = context.eventLoop
            let bound = NIOLoopBound((self, context), eventLoop: loop)
            let promise = loop.makePromise(of: StatusEndpoint.Answer.self)
            promise.completeWithTask {
                await StatusEndpoint.answer(method: head.method, uri: head.uri, routes: routes)
            }
            promise.futureResult.whenSuccess { answer in
                let (handler, context) = bound.value
                handler.write(answer, head: head, context: context)
            }
        }
    }

    private func write(_ answer: StatusEndpoint.Answer, head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: answer.contentType)
        headers.add(name: "Content-Length", value: String(answer.body.count))
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: answer.status, headers: headers))),
            promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: answer.body)))), promise: nil)
        }
        let keepAlive = head.isKeepAlive
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
