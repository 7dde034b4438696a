import StapleTestSupport
import Foundation
import NIOCore
import NIOEmbedded
import NIOPosix
import OCSPCore
import TLSStapling
import Testing

/// Hostile and heavy clients against `staple serve`: it keeps serving, staples, and stays bounded.
@Suite(
    "staple serve under hostile and heavy load",
    .enabled(if: opensslTestsEnabled, Comment(rawValue: opensslMissingReason)), .serialized)
struct RobustnessTests {
    /// A running `staple serve` in front of an echo server, with a staple for its certificate.
    struct Setup {
        let pki: TestPKI
        let leaf: TestPKI.Leaf
        let echo: EchoServer
        let responder: OpenSSLResponder
        let serve: ServeProcess

        init(name: String, extraArguments: [String] = []) async throws {
            pki = try TestPKI(name: name)
            let port = try SystemTools.freePort()
            leaf = try pki.issue(ocspURLs: ["http://127.0.0.1:\(port)/"])
            responder = try OpenSSLResponder(pki: pki, port: port)
            echo = try await EchoServer()
            serve = try ServeProcess(
                ["--cert", leaf.pemPath, "--key", leaf.keyPath, "--backend", "127.0.0.1:\(echo.port)"] + extraArguments,
                directory: pki.directory
            )
        }

        func stapledConnectionWorks() async throws -> Bool {
            let result = try await TLSTestClient.connect(
                port: serve.port, send: Array("still here".utf8), halfClose: true, readUntilClose: true)
            guard let staple = result.handshake?.stapledResponse else { return false }
            let verdict = OCSPVerifier().verify(
                response: staple, certificate: leaf.certificate, issuer: pki.ca, now: Date()
            ).verdict
            return verdict == .good && String(decoding: result.received, as: UTF8.self) == "still here"
        }

        func tearDown() async {
            serve.stop()
            responder.stop()
            await echo.stop()
            pki.remove()
        }
    }

    /// A raw TCP connection to the proxy.
    static func rawConnection(port: Int) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port)
            .get()
    }

    /// The first flight of a real TLS client (a ClientHello requesting status), made in memory.
    static func clientHello() throws -> ByteBuffer {
        let channel = EmbeddedChannel()
        let context = try OpenSSLClientContext(configuration: TLSClientConfiguration(serverName: "x.test"))
        try channel.pipeline.syncOperations.addHandler(try OpenSSLTLSHandler(client: context))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let hello = try #require(try channel.readOutbound(as: ByteBuffer.self))
        _ = try? channel.finish(acceptAlreadyClosed: true)
        return hello
    }

    @Test("garbage, half a ClientHello then silence, and half a ClientHello then a close: others keep being served")
    func hostileClients() async throws {
        let setup = try await Setup(name: "robust-hostile")
        do {
            var rng = SystemRandomNumberGenerator()
            let garbage = try await Self.rawConnection(port: setup.serve.port)
            try await garbage.writeAndFlush(
                ByteBuffer(bytes: (0..<4_096).map { _ in UInt8.random(in: 0...255, using: &rng) }))
            let hello = try Self.clientHello()
            let silent = try await Self.rawConnection(port: setup.serve.port)
            try await silent.writeAndFlush(hello.getSlice(at: hello.readerIndex, length: hello.readableBytes / 2)!)
            let quitter = try await Self.rawConnection(port: setup.serve.port)
            try await quitter.writeAndFlush(hello.getSlice(at: hello.readerIndex, length: hello.readableBytes / 3)!)
            try await quitter.close()
            // The proxy closes the garbage connection itself.
            try await garbage.closeFuture.get()
            #expect(try await setup.stapledConnectionWorks())
            #expect(setup.serve.isRunning)
            try? await silent.close()
        } catch {
            await setup.tearDown()
            throw error
        }
        await setup.tearDown()
    }

    @Test("a client that never reads does not make the proxy buffer what the backend sends")
    func clientThatNeverReads() async throws {
        let setup = try await Setup(name: "robust-slow")
        do {
            let before = setup.serve.residentKiB
            let context = try OpenSSLClientContext(configuration: TLSClientConfiguration())
            let handshake = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Void.self)
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers([
                            try OpenSSLTLSHandler(client: context), HandshakeWaiter(handshake),
                        ])
                    }
                }
                .connect(host: "127.0.0.1", port: setup.serve.port).get()
            try await handshake.futureResult.get()
            // Stop reading: the echo backend's answers pile up in the proxy unless it respects backpressure.
            try await channel.setOption(.autoRead, value: false).get()
            let chunk = ByteBuffer(repeating: 0x41, count: 64 * 1_024)
            for _ in 0..<512 { channel.write(chunk, promise: nil) }  // 32 MiB offered
            channel.flush()
            // Give the bytes time to flow as far as backpressure lets them (bounded wait, not an assertion).
            for _ in 0..<50 { try await Task.sleep(for: .milliseconds(100)) }
            let after = setup.serve.residentKiB
            #expect(after - before < 24 * 1_024, "proxy grew from \(before) KiB to \(after) KiB with 32 MiB offered")
            #expect(try await setup.stapledConnectionWorks())
            try? await channel.close()
        } catch {
            await setup.tearDown()
            throw error
        }
        await setup.tearDown()
    }

    @Test("1,000 concurrent connections are all stapled, and another client is still served")
    func thousandConnections() async throws {
        // A generous handshake timeout: on a loaded 2-core machine a debug build takes a while to
        // complete 1,000 handshakes, and this test is about correctness, not speed.
        let setup = try await Setup(name: "robust-many", extraArguments: ["--handshake-timeout", "300"])
        do {
            let before = setup.serve.residentKiB
            let context = try OpenSSLClientContext(configuration: TLSClientConfiguration())
            let port = setup.serve.port
            // Handshakes in waves of 100; every connection stays open, so 1,000 end up open at once.
            var channels: [(any Channel, Bool)] = []
            for _ in 0..<10 {
                channels += try await withThrowingTaskGroup(of: (any Channel, Bool).self) { group in
                    for _ in 0..<100 {
                        group.addTask {
                            let handshake = MultiThreadedEventLoopGroup.singleton.next().makePromise(
                                of: TLSHandshakeCompleted.self)
                            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                                .channelInitializer { channel in
                                    channel.eventLoop.makeCompletedFuture {
                                        try channel.pipeline.syncOperations.addHandlers([
                                            try OpenSSLTLSHandler(client: context), HandshakeRecorder(handshake),
                                        ])
                                    }
                                }
                                .connect(host: "127.0.0.1", port: port).get()
                            let completed = try await handshake.futureResult.get()
                            return (channel, completed.stapledResponse != nil)
                        }
                    }
                    var wave: [(any Channel, Bool)] = []
                    for try await result in group { wave.append(result) }
                    return wave
                }
            }
            #expect(channels.count == 1_000)
            #expect(channels.allSatisfy { $0.1 }, "every handshake stapled")
            // All 1,000 are still open; a new client is served, and memory stays bounded.
            #expect(try await setup.stapledConnectionWorks())
            let during = setup.serve.residentKiB
            #expect(
                during - before < 200 * 1_024, "proxy grew from \(before) KiB to \(during) KiB with 1,000 connections")
            for (channel, _) in channels { channel.close(promise: nil) }
            #expect(setup.serve.isRunning)
        } catch {
            await setup.tearDown()
            throw error
        }
        await setup.tearDown()
    }
}

/// Completes a promise when the TLS handshake completes (or fails).
final class HandshakeWaiter: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let promise: EventLoopPromise<Void>
    init(_ promise: EventLoopPromise<Void>) { self.promise = promise }
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is TLSHandshakeCompleted { promise.succeed() }
    }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { promise.fail(error) }
    func channelInactive(context: ChannelHandlerContext) { promise.fail(ChannelError.ioOnClosedChannel) }
}

/// Hands the handshake result to a promise.
final class HandshakeRecorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let promise: EventLoopPromise<TLSHandshakeCompleted>
    init(_ promise: EventLoopPromise<TLSHandshakeCompleted>) { self.promise = promise }
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let completed = event as? TLSHandshakeCompleted { promise.succeed(completed) }
    }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { promise.fail(error) }
    func channelInactive(context: ChannelHandlerContext) { promise.fail(ChannelError.ioOnClosedChannel) }
}
