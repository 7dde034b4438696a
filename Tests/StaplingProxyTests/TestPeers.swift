import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TLSStapling

/// A TCP echo server: echoes everything, and ends its side when the peer ends its own (half-close).
final class EchoServer: Sendable {
    let port: Int
    private let channel: any Channel

    init() async throws {
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Echo()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress!.port!
    }

    func stop() async { try? await channel.close() }

    final class Echo: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.write(data, promise: nil) }
        func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .some(.inputClosed) = event as? ChannelEvent { context.close(mode: .output, promise: nil) }
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }
}

/// What a TLS client connection saw: the handshake, the bytes received, how it ended.
struct ClientResult: Sendable {
    var handshake: TLSHandshakeCompleted?
    var received: [UInt8]
    var error: String?
}

/// Our own client role over a real socket: handshake (requesting status), optionally send bytes and
/// half-close, and collect what comes back until the server ends the connection.
enum TLSTestClient {
    static func connect(
        port: Int, serverName: String? = nil, version: TLSVersion = .tls13, send: [UInt8]? = nil,
        halfClose: Bool = false,
        readUntilClose: Bool = false
    ) async throws -> ClientResult {
        let context = try OpenSSLClientContext(
            configuration: TLSClientConfiguration(
                serverName: serverName, minimumVersion: version, maximumVersion: version)
        )
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        try OpenSSLTLSHandler(client: context), collector.handler,
                    ])
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let handshake = try await collector.handshake.futureResult.get()
        if let send {
            try await channel.writeAndFlush(ByteBuffer(bytes: send))
            if halfClose { try await channel.close(mode: .output) }
        }
        if readUntilClose {
            try? await channel.closeFuture.get()
        } else {
            try? await channel.close()
        }
        return ClientResult(handshake: handshake, received: collector.bytes.withLockedValue { $0 }, error: nil)
    }

    final class Collector: Sendable {
        let bytes = NIOLockedValueBox<[UInt8]>([])
        let handshake: EventLoopPromise<TLSHandshakeCompleted>
        var handler: Handler { Handler(collector: self) }

        init() { handshake = MultiThreadedEventLoopGroup.singleton.next().makePromise() }

        final class Handler: ChannelInboundHandler, Sendable {
            typealias InboundIn = ByteBuffer
            let collector: Collector
            init(collector: Collector) { self.collector = collector }
            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                let buffer = unwrapInboundIn(data)
                collector.bytes.withLockedValue { $0 += buffer.readableBytesView }
            }
            func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
                if let completed = event as? TLSHandshakeCompleted { collector.handshake.succeed(completed) }
                if case .some(.inputClosed) = event as? ChannelEvent { context.close(promise: nil) }
            }
            func errorCaught(context: ChannelHandlerContext, error: any Error) {
                collector.handshake.fail(error)
                context.close(promise: nil)
            }
            func channelInactive(context: ChannelHandlerContext) {
                collector.handshake.fail(ChannelError.ioOnClosedChannel)
            }
        }
    }
}
