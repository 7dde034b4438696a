import NIOCore
import NIOEmbedded
import Testing

@testable import StaplingProxy

/// Counts the reads that reach the socket and records closes; a close of the output only is
/// answered here, since `EmbeddedChannel` would close everything.
final class SocketProbe: ChannelOutboundHandler {
    typealias OutboundIn = NIOAny
    var reads = 0
    var closes: [CloseMode] = []

    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        closes.append(mode)
        if mode == .output { promise?.succeed() } else { context.close(mode: mode, promise: promise) }
    }
}

/// A client-facing glue handler on one `EmbeddedChannel` and, once the test connects it, the backend
/// side on another; both on one event loop, as in the proxy.
final class GlueHarness {
    let loop = EmbeddedEventLoop()
    let client: EmbeddedChannel
    let backend: EmbeddedChannel
    let clientSocket = SocketProbe()
    let backendSocket = SocketProbe()
    let backendGlue = GlueHandler.backendSide()
    private(set) var connectRequests = 0
    private var connecting: EventLoopPromise<NIOLoopBound<GlueHandler>>?
    static let address = try! SocketAddress(ipAddress: "127.0.0.1", port: 443)

    init() throws {
        client = EmbeddedChannel(loop: loop)
        backend = EmbeddedChannel(loop: loop)
        let glue = GlueHandler.connectingOnFirstByte { [unowned self] context in
            connectRequests += 1
            let promise = context.eventLoop.makePromise(of: NIOLoopBound<GlueHandler>.self)
            connecting = promise
            return promise.futureResult
        }
        try client.pipeline.syncOperations.addHandlers([clientSocket, glue])
        try client.connect(to: Self.address).wait()
    }

    /// The backend connection succeeds, as `ClientBootstrap` reports it: handler added, promise
    /// completed, then the channel becomes active.
    ///
    /// - Parameters:
    ///   - addHandlers: false when the test added them already.
    ///   - activate: false when the glue is expected to close the backend at once.
    func backendConnects(addHandlers: Bool = true, activate: Bool = true) throws {
        if addHandlers { try backend.pipeline.syncOperations.addHandlers([backendSocket, backendGlue]) }
        try #require(connecting).succeed(NIOLoopBound(backendGlue, eventLoop: loop))
        if activate { try backend.connect(to: Self.address).wait() }
        loop.run()
    }

    func backendFailsToConnect() throws {
        try #require(connecting).fail(ChannelError.connectTimeout(.seconds(5)))
        loop.run()
    }

    /// Client and backend joined, "hello" already passed to the backend.
    static func joined() throws -> GlueHarness {
        let harness = try GlueHarness()
        try harness.client.writeInbound(ByteBuffer(string: "hello"))
        try harness.backendConnects()
        #expect(try harness.backend.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "hello"))
        return harness
    }

    func endInput(of channel: EmbeddedChannel) {
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        loop.run()
    }

    func setWritable(_ channel: EmbeddedChannel, _ writable: Bool) {
        channel.isWritable = writable
        channel.pipeline.fireChannelWritabilityChanged()
        loop.run()
    }

    func finish() {
        _ = try? client.finish(acceptAlreadyClosed: true)
        _ = try? backend.finish(acceptAlreadyClosed: true)
    }
}

@Suite("GlueHandler on EmbeddedChannel")
struct GlueHandlerTests {
    @Test("nothing is connected before the first byte, and reads flow for the TLS handshake")
    func beforeFirstByte() throws {
        let harness = try GlueHarness()
        defer { harness.finish() }
        harness.client.read()
        harness.client.read()
        #expect(harness.clientSocket.reads == 2)
        #expect(harness.connectRequests == 0)
    }

    @Test("the first byte connects the backend; what arrives meanwhile is held, and reads wait")
    func firstByteConnects() throws {
        let harness = try GlueHarness()
        defer { harness.finish() }
        try harness.client.writeInbound(ByteBuffer(string: "hel"))
        #expect(harness.connectRequests == 1)
        try harness.client.writeInbound(ByteBuffer(string: "lo"))
        #expect(harness.connectRequests == 1, "one backend connection per client")
        harness.client.read()
        #expect(harness.clientSocket.reads == 0, "no read while the backend connects")

        try harness.backendConnects()
        #expect(try harness.backend.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "hel"))
        #expect(try harness.backend.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "lo"))
        #expect(harness.clientSocket.reads == 1, "the read that waited is issued once joined")

        // Then bytes flow both ways.
        try harness.client.writeInbound(ByteBuffer(string: "more"))
        #expect(try harness.backend.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "more"))
        try harness.backend.writeInbound(ByteBuffer(string: "answer"))
        #expect(try harness.client.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "answer"))
        harness.backend.read()
        #expect(harness.backendSocket.reads == 1)
    }

    @Test("the client half-closes: the backend's output is closed, and its answer still reaches the client")
    func clientHalfCloses() throws {
        let harness = try GlueHarness.joined()
        defer { harness.finish() }
        harness.endInput(of: harness.client)
        #expect(harness.backendSocket.closes == [.output])
        #expect(harness.clientSocket.closes.isEmpty)
        try harness.backend.writeInbound(ByteBuffer(string: "answer"))
        #expect(try harness.client.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "answer"))
        // The backend then ends its side too: the client's output is closed.
        harness.endInput(of: harness.backend)
        #expect(harness.clientSocket.closes == [.output])
    }

    @Test("the backend half-closes: the client's output is closed, and the client can still send")
    func backendHalfCloses() throws {
        let harness = try GlueHarness.joined()
        defer { harness.finish() }
        harness.endInput(of: harness.backend)
        #expect(harness.clientSocket.closes == [.output])
        #expect(harness.backendSocket.closes.isEmpty)
        try harness.client.writeInbound(ByteBuffer(string: "late"))
        #expect(try harness.backend.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "late"))
    }

    @Test("a half-close while the backend connects is passed on once it is connected, after the bytes")
    func halfCloseWhileConnecting() throws {
        let harness = try GlueHarness()
        defer { harness.finish() }
        try harness.client.writeInbound(ByteBuffer(string: "request"))
        harness.endInput(of: harness.client)
        #expect(harness.clientSocket.closes.isEmpty)
        try harness.backendConnects()
        #expect(try harness.backend.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "request"))
        #expect(harness.backendSocket.closes == [.output])
    }

    @Test("a client that ends its side without sending anything is closed, and no backend is connected")
    func clientEndsWithoutBytes() throws {
        let harness = try GlueHarness()
        defer { harness.finish() }
        harness.endInput(of: harness.client)
        #expect(harness.clientSocket.closes == [.all])
        #expect(!harness.client.isActive)
        #expect(harness.connectRequests == 0)
    }

    @Test("backpressure, client to backend: the client is not read while the backend cannot write")
    func backpressureTowardsBackend() throws {
        let harness = try GlueHarness.joined()
        defer { harness.finish() }
        let before = harness.clientSocket.reads
        harness.setWritable(harness.backend, false)
        harness.client.read()
        #expect(harness.clientSocket.reads == before, "paused")
        harness.setWritable(harness.backend, true)
        #expect(harness.clientSocket.reads == before + 1, "resumed by the backend's writability")
        harness.client.read()
        #expect(harness.clientSocket.reads == before + 2, "reads flow again")
        // Writability without a waiting read issues nothing.
        harness.setWritable(harness.backend, true)
        #expect(harness.clientSocket.reads == before + 2)
    }

    @Test("backpressure, backend to client: the backend is not read while the client cannot write")
    func backpressureTowardsClient() throws {
        let harness = try GlueHarness.joined()
        defer { harness.finish() }
        harness.setWritable(harness.client, false)
        harness.backend.read()
        #expect(harness.backendSocket.reads == 0, "paused")
        harness.setWritable(harness.client, true)
        #expect(harness.backendSocket.reads == 1, "resumed by the client's writability")
    }

    @Test("a read the backend asked for before it was joined is issued when it is, if the client can write")
    func backendReadBeforeJoin() throws {
        let harness = try GlueHarness()
        defer { harness.finish() }
        try harness.client.writeInbound(ByteBuffer(string: "x"))
        // The backend channel reads (auto-read) before the client side attaches it.
        try harness.backend.pipeline.syncOperations.addHandlers([harness.backendSocket, harness.backendGlue])
        harness.backend.read()
        #expect(harness.backendSocket.reads == 0)
        try harness.backendConnects(addHandlers: false)
        #expect(harness.backendSocket.reads == 1)
    }

    @Test("the backend cannot be reached (before the first byte is passed on): the client is closed")
    func backendUnreachable() throws {
        let harness = try GlueHarness()
        defer { harness.finish() }
        try harness.client.writeInbound(ByteBuffer(string: "request"))
        try harness.backendFailsToConnect()
        #expect(harness.clientSocket.closes == [.all])
        #expect(!harness.client.isActive)
        #expect(try harness.client.readOutbound(as: ByteBuffer.self) == nil)
    }

    @Test("the backend fails after bytes have flowed: both sides are closed")
    func backendFailsLater() throws {
        let harness = try GlueHarness.joined()
        defer { harness.finish() }
        harness.backend.pipeline.fireErrorCaught(ChannelError.connectTimeout(.seconds(1)))
        harness.loop.run()
        #expect(harness.backendSocket.closes == [.all])
        #expect(harness.clientSocket.closes == [.all])
        #expect(!harness.client.isActive)
        #expect(!harness.backend.isActive)
    }

    @Test("the backend goes away after bytes have flowed: the client is closed")
    func backendClosesLater() throws {
        let harness = try GlueHarness.joined()
        defer { harness.finish() }
        try harness.backend.close().wait()
        harness.loop.run()
        #expect(harness.clientSocket.closes == [.all])
        #expect(!harness.client.isActive)
    }

    @Test("the client goes away: the backend is closed, also when it connects only afterwards")
    func clientGoesAway() throws {
        let joined = try GlueHarness.joined()
        defer { joined.finish() }
        try joined.client.close().wait()
        joined.loop.run()
        #expect(joined.backendSocket.closes == [.all])
        #expect(!joined.backend.isActive)

        let connecting = try GlueHarness()
        defer { connecting.finish() }
        try connecting.client.writeInbound(ByteBuffer(string: "request"))
        try connecting.client.close().wait()
        try connecting.backendConnects(activate: false)
        #expect(connecting.backendSocket.closes == [.all])
        #expect(try connecting.backend.readOutbound(as: ByteBuffer.self) == nil, "nothing proxied to a gone client")
    }

    @Test("a matched pair is joined from the start")
    func matchedPair() throws {
        let loop = EmbeddedEventLoop()
        let (a, b) = GlueHandler.matchedPair()
        let left = EmbeddedChannel(handler: a, loop: loop)
        let right = EmbeddedChannel(handler: b, loop: loop)
        defer {
            _ = try? left.finish(acceptAlreadyClosed: true)
            _ = try? right.finish(acceptAlreadyClosed: true)
        }
        try left.writeInbound(ByteBuffer(string: "ping"))
        #expect(try right.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "ping"))
        try right.writeInbound(ByteBuffer(string: "pong"))
        #expect(try left.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "pong"))
    }
}
