import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TLSStapling

/// A TCP echo server: echoes everything, and ends its side when the peer ends its own (half-close).
///
/// It reads whatever comes, whether or not its peer reads the echo (the echo waits in its memory),
/// and counts the bytes: received, and handed to the kernel.
package final class EchoServer: Sendable {
    package let port: Int
    private let channel: any Channel
    private let state = NIOLockedValueBox(State())

    /// Bytes received, and bytes of echo the kernel has taken, over all connections.
    package struct Counts: Sendable {
        package var received = 0
        package var sent = 0
    }

    struct State {
        var counts = Counts()
        var waiters: [(atLeast: Int, continuation: CheckedContinuation<Counts, Never>)] = []
    }

    /// - Parameter sendBuffer: `SO_SNDBUF` of its connections, to bound what the kernel buffers.
    package init(sendBuffer: Int? = nil) async throws {
        let state = state
        var bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
        if let sendBuffer {
            bootstrap = bootstrap.childChannelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(sendBuffer))
        }
        channel = try await bootstrap.childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(Echo(state: state))
            }
        }
        .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress!.port!
    }

    /// The counts now.
    package var current: Counts { state.withLockedValue { $0.counts } }

    /// Returns the counts at the moment at least `bytes` have been received in all, or earlier, when a
    /// connection ends (then `received` may be less).
    package func received(atLeast bytes: Int) async -> Counts {
        await withCheckedContinuation { continuation in
            let now: Counts? = state.withLockedValue { state in
                if state.counts.received >= bytes { return state.counts }
                state.waiters.append((bytes, continuation))
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
    }

    package func stop() async { try? await channel.close() }

    final class Echo: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let state: NIOLockedValueBox<State>
        init(state: NIOLockedValueBox<State>) { self.state = state }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let size = unwrapInboundIn(data).readableBytes
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenSuccess { [state] in state.withLockedValue { $0.counts.sent += size } }
            context.write(data, promise: written)
            let (snapshot, ready) = state.withLockedValue { state in
                state.counts.received += size
                let total = state.counts.received
                let ready = state.waiters.filter { $0.atLeast <= total }.map(\.continuation)
                state.waiters.removeAll { $0.atLeast <= total }
                return (state.counts, ready)
            }
            for continuation in ready { continuation.resume(returning: snapshot) }
        }
        func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
        func channelInactive(context: ChannelHandlerContext) {
            let (snapshot, waiting) = state.withLockedValue { state in
                defer { state.waiters.removeAll() }
                return (state.counts, state.waiters.map(\.continuation))
            }
            for continuation in waiting { continuation.resume(returning: snapshot) }
            context.fireChannelInactive()
        }
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .some(.inputClosed) = event as? ChannelEvent { context.close(mode: .output, promise: nil) }
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }
}

/// What a TLS client connection saw: the handshake, the bytes received, how it ended.
package struct ClientResult: Sendable {
    package var handshake: TLSHandshakeCompleted?
    package var received: [UInt8]
    package var error: String?
}

/// The one TLS test client of the tests and benchmarks: Staple's own client role over a real
/// socket, requesting status.
package enum TLSTestClient {
    /// Connects to `127.0.0.1:port` and completes a handshake; the channel stays open.
    ///
    /// - Parameter handlers: added after the TLS handler (they see plaintext).
    /// - Throws: when the connection or the handshake fails.
    /// - Parameter receiveBuffer: `SO_RCVBUF`, set before connecting, to bound what the kernel buffers.
    package static func open(
        port: Int, context: OpenSSLClientContext, handlers: [any ChannelHandler & Sendable] = [],
        receiveBuffer: Int? = nil
    ) async throws -> (channel: any Channel, handshake: TLSHandshakeCompleted) {
        let handshake = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: TLSHandshakeCompleted.self)
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
        if let receiveBuffer {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBuffer))
        }
        let connecting =
            bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try OpenSSLTLSHandler(client: context))
                    try channel.pipeline.syncOperations.addHandler(HandshakeRecorder(handshake))
                    for handler in handlers { try channel.pipeline.syncOperations.addHandler(handler) }
                }
            }
            .connect(host: "127.0.0.1", port: port)
        let channel: any Channel
        do {
            channel = try await connecting.get()
        } catch {
            handshake.fail(error)
            throw error
        }
        do {
            return (channel, try await handshake.futureResult.get())
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Handshakes (requesting status), optionally sends bytes and half-closes, and collects what comes
    /// back until the server ends the connection (`readUntilClose`) or closes at once.
    package static func connect(
        port: Int, serverName: String? = nil, version: TLSVersion = .tls13, send: [UInt8]? = nil,
        halfClose: Bool = false, readUntilClose: Bool = false
    ) async throws -> ClientResult {
        let context = try OpenSSLClientContext(
            configuration: TLSClientConfiguration(
                serverName: serverName, minimumVersion: version, maximumVersion: version)
        )
        let collector = Collector()
        let (channel, handshake) = try await open(port: port, context: context, handlers: [collector])
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

    /// Collects the plaintext received; closes on the peer's end of input.
    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let bytes = NIOLockedValueBox<[UInt8]>([])

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            bytes.withLockedValue { $0 += buffer.readableBytesView }
        }
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .some(.inputClosed) = event as? ChannelEvent { context.close(promise: nil) }
            context.fireUserInboundEventTriggered(event)
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

/// Hands the handshake's result to a promise: the completed handshake, or the error or close that
/// came first. Passes every event on.
package final class HandshakeRecorder: ChannelInboundHandler, Sendable {
    package typealias InboundIn = ByteBuffer
    package typealias InboundOut = ByteBuffer
    let promise: EventLoopPromise<TLSHandshakeCompleted>
    package init(_ promise: EventLoopPromise<TLSHandshakeCompleted>) { self.promise = promise }
    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let completed = event as? TLSHandshakeCompleted { promise.succeed(completed) }
        context.fireUserInboundEventTriggered(event)
    }
    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.fireErrorCaught(error)
    }
    package func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }
    /// A channel that never became active (its connect failed) is torn down without channelInactive:
    /// the promise must not outlive it unfulfilled. Completing a fulfilled promise is a no-op.
    package func handlerRemoved(context: ChannelHandlerContext) {
        promise.fail(ChannelError.ioOnClosedChannel)
    }
}
