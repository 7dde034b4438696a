import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A request as the test server received it.
package struct RecordedRequest: Sendable {
    package var method: String
    package var uri: String
    package var headers: [(String, String)]
    package var body: [UInt8]

    package func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// What the test server does with a request.
package enum TestHTTPAction: Sendable {
    /// Answer, then close the connection.
    case respond(status: Int, headers: [(String, String)], body: [UInt8])
    /// Read the request and never answer (until the server stops).
    case hang
    /// Close the connection without answering.
    case close

    /// A 200 `application/ocsp-response` with `body`.
    package static func ocsp(_ body: [UInt8]) -> TestHTTPAction {
        .respond(status: 200, headers: [("Content-Type", "application/ocsp-response")], body: body)
    }
}

/// A scriptable HTTP/1.1 server on a loopback address (SwiftNIO), for responder faults that
/// `openssl ocsp` cannot produce: hangs, garbage, 500s, oversize bodies, proxies, moved hosts.
package final class TestHTTPServer: Sendable {
    package let host: String
    package let port: Int
    private let channel: any Channel
    private let state: NIOLockedValueBox<State>

    struct State {
        var requests: [RecordedRequest] = []
        var children: [any Channel] = []
    }

    /// Binds `host:port` (port 0 picks one) and answers each request with `handler`.
    package init(
        host: String = "127.0.0.1", port: Int = 0, handler: @escaping @Sendable (RecordedRequest) -> TestHTTPAction
    ) async throws {
        let state = NIOLockedValueBox(State())
        self.state = state
        self.host = host
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                state.withLockedValue { $0.children.append(channel) }
                return channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(RequestHandler(state: state, handler: handler))
                }
            }
        channel = try await bootstrap.bind(host: host, port: port).get()
        self.port = channel.localAddress?.port ?? port
    }

    /// Every request received so far, in order.
    package var requests: [RecordedRequest] {
        state.withLockedValue { $0.requests }
    }

    package func url(path: String = "/") -> String { "http://\(host):\(port)\(path)" }

    /// Closes the listener and every open connection.
    package func stop() async {
        try? await channel.close()
        let children = state.withLockedValue { $0.children }
        for child in children { try? await child.close() }
    }

    private final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
        // @unchecked: NIO calls a handler on its channel's event loop only.
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let state: NIOLockedValueBox<State>
        let handler: @Sendable (RecordedRequest) -> TestHTTPAction
        var current: RecordedRequest?

        init(state: NIOLockedValueBox<State>, handler: @escaping @Sendable (RecordedRequest) -> TestHTTPAction) {
            self.state = state
            self.handler = handler
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                current = RecordedRequest(
                    method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) },
                    body: [])
            case .body(var buffer):
                current?.body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let request = current else { return }
                current = nil
                state.withLockedValue { $0.requests.append(request) }
                switch handler(request) {
                case .hang:
                    return
                case .close:
                    context.close(promise: nil)
                case .respond(let status, let headers, let body):
                    var head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status))
                    for (name, value) in headers { head.headers.add(name: name, value: value) }
                    head.headers.replaceOrAdd(name: "Content-Length", value: "\(body.count)")
                    head.headers.replaceOrAdd(name: "Connection", value: "close")
                    context.write(wrapOutboundOut(.head(head)), promise: nil)
                    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
                    let closed = context.eventLoop.makePromise(of: Void.self)
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: closed)
                    let channel = context.channel
                    closed.futureResult.whenComplete { _ in channel.close(promise: nil) }
                }
            }
        }
    }
}

/// Runs `body` with a test server and stops it afterwards, whatever happens.
package func withTestHTTPServer<T>(
    host: String = "127.0.0.1", port: Int = 0, handler: @escaping @Sendable (RecordedRequest) -> TestHTTPAction,
    _ body: (TestHTTPServer) async throws -> T
) async throws -> T {
    let server = try await TestHTTPServer(host: host, port: port, handler: handler)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
