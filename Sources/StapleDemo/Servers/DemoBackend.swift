import NIOCore
import NIOPosix

/// The backend `staple serve` proxies to: answers every connection with one small HTTP response
/// and closes, so `curl` through the proxy shows a page. In-process, on loopback.
package final class DemoBackend: Sendable {
    package let port: Int
    private let channel: any Channel

    /// Listens on 127.0.0.1 on a port the kernel picks.
    package init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws {
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Answer()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    package func close() async {
        try? await channel.close()
    }

    /// Writes the page once the client has sent something (a request), then closes.
    private final class Answer: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        static let body = "Hello from the staple demo's backend, through staple serve.\n"
        static let page =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
            + body

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = context.channel.allocator.buffer(string: Self.page)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}
