import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import StapleTestSupport
import TLSStapling

/// A TLS server (Staple's own server role) on 127.0.0.1 that staples a fixed response and counts
/// its connections: how many, and the most open at once.
///
/// A connection counts from accept until the server closes it (counted down before the socket is
/// closed, so a client's next connection, which starts only after this one ended, can never overlap
/// it in the count) or until the client does. Each connection's first bytes wait a few random
/// milliseconds before TLS sees them, so that handshakes complete out of order.
final class CountingTLSServer: Sendable {
    let port: Int
    private let channel: any Channel
    private let counts = NIOLockedValueBox(Counts())

    struct Counts {
        var open = 0
        var maximum = 0
        var total = 0
    }

    init(certificate: TLSCertificateSource, staples: [[UInt8]: [UInt8]], seed: UInt64) async throws {
        let context = try OpenSSLServerContext(
            configuration: TLSServerConfiguration(certificates: [certificate]), provider: FixedStapleProvider(staples))
        let counts = counts
        let random = NIOLockedValueBox(seed)
        // One event loop for the listener and every connection: a client's close is then handled
        // before its next connection is accepted (both wait in one epoll queue, in order), so the
        // count never sees an overlap the client did not make. With several loops the next accept
        // could run on another thread before the previous close was seen.
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton.next())
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                let delay = random.withLockedValue { state -> Int64 in
                    var generator = SplitMix64(state: state)
                    defer { state = generator.state }
                    return Int64(generator.next() % 20)
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Counter(counts: counts))
                    try channel.pipeline.syncOperations.addHandler(Delay(milliseconds: delay))
                    try channel.pipeline.syncOperations.addHandler(try OpenSSLTLSHandler(server: context))
                    try channel.pipeline.syncOperations.addHandler(CloseOnInputEnd())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress!.port!
    }

    var current: Counts { counts.withLockedValue { $0 } }

    func stop() async { try? await channel.close() }

    /// Counts up on accept, down on the first of the server's close or the connection's end.
    final class Counter: ChannelDuplexHandler, @unchecked Sendable {
        // @unchecked: `counted` is only touched on the channel's event loop.
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        typealias OutboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let counts: NIOLockedValueBox<Counts>
        var counted = false

        init(counts: NIOLockedValueBox<Counts>) { self.counts = counts }

        func channelActive(context: ChannelHandlerContext) {
            counted = true
            counts.withLockedValue {
                $0.open += 1
                $0.total += 1
                $0.maximum = max($0.maximum, $0.open)
            }
            context.fireChannelActive()
        }

        private func countDown() {
            guard counted else { return }
            counted = false
            counts.withLockedValue { $0.open -= 1 }
        }

        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            if mode == .all { countDown() }
            context.close(mode: mode, promise: promise)
        }

        func channelInactive(context: ChannelHandlerContext) {
            countDown()
            context.fireChannelInactive()
        }
    }

    /// Holds the first reads back a little, then lets everything through in order.
    final class Delay: ChannelInboundHandler, @unchecked Sendable {
        // @unchecked: all state is only touched on the channel's event loop.
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        let milliseconds: Int64
        var held: [NIOAny] = []
        var released = false
        var scheduled = false

        init(milliseconds: Int64) { self.milliseconds = milliseconds }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if released {
                context.fireChannelRead(data)
                return
            }
            held.append(data)
            guard !scheduled else { return }
            scheduled = true
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(milliseconds)) {
                let (handler, context) = bound.value
                handler.released = true
                for data in handler.held { context.fireChannelRead(data) }
                handler.held = []
                context.fireChannelReadComplete()
            }
        }
    }

    /// Closes when the client ends its side (after its close_notify).
    final class CloseOnInputEnd: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .some(.inputClosed) = event as? ChannelEvent { context.close(promise: nil) }
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }
}
