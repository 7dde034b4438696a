import Foundation
import NIOCore
import NIOEmbedded
import NIOPosix
import OCSPCore
import StapleTestSupport
import TLSStapling
import Testing

/// Hostile and heavy clients against `staple serve`: it keeps serving, staples, and stays bounded.
@Suite(
    "staple serve under hostile and heavy load",
    .enabled(if: opensslTestsEnabled, Comment(rawValue: opensslMissingReason)), .serialized)
struct RobustnessTests {
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
        let setup = try await ServeFixture(name: "robust-hostile", boundedBuffers: true)
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

    /// The most the kernel may buffer in one TCP socket of the proxy, from the sysctl maxima (receive
    /// buffer autotuning grows up to `tcp_rmem`'s third field, send buffers up to `tcp_wmem`'s).
    static func kernelSocketBufferMaxima() -> (receive: Int, send: Int) {
        func maximum(_ name: String) -> Int {
            let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/\(name)", encoding: .utf8)) ?? ""
            return text.split(whereSeparator: \.isWhitespace).last.flatMap { Int($0) } ?? 6 * 1_024 * 1_024
        }
        return (maximum("tcp_rmem"), maximum("tcp_wmem"))
    }

    @Test("a client that never reads does not make the proxy buffer what the backend sends")
    func clientThatNeverReads() async throws {
        let setup = try await ServeFixture(name: "robust-slow", boundedBuffers: true)
        do {
            let before = setup.serve.residentKiB
            let context = try OpenSSLClientContext(configuration: TLSClientConfiguration())
            let (channel, _) = try await TLSTestClient.open(
                port: setup.serve.port, context: context, receiveBuffer: ServeFixture.socketBuffer)
            // Stop reading: the echo backend's answers pile up in the proxy unless it respects backpressure.
            try await channel.setOption(.autoRead, value: false).get()
            // Between the echo server and this client, the bytes the echo server has handed to the kernel
            // can only be in four kernel buffers (the echo server's send buffer, the proxy's receive
            // buffer from the backend and send buffer to the client, this client's receive buffer), or in
            // the proxy's memory. The proxy may hold a few TLS records and reads: `allowance`.
            let kernel = Self.kernelSocketBufferMaxima()
            let allowance = 8 * 1_024 * 1_024
            // (Linux doubles a buffer size set with setsockopt, for its bookkeeping.)
            let bound = 2 * (2 * ServeFixture.socketBuffer) + kernel.receive + kernel.send + allowance
            // Offer twice as much, so that a proxy that buffers everything cannot stay under the bound.
            let chunk = ByteBuffer(repeating: 0x41, count: 64 * 1_024)
            let chunks = max(512, 2 * bound / chunk.readableBytes)
            let offered = chunks * chunk.readableBytes
            for _ in 0..<chunks { channel.write(chunk, promise: nil) }
            channel.flush()
            // The proxy forwards all of it to the backend (which always reads). When the last byte has
            // arrived there, a proxy that reads the backend only as fast as the client reads has let the
            // echo server hand the kernel little; a proxy that buffers has taken nearly all of it.
            let counts = await setup.echo.received(atLeast: offered)
            #expect(
                counts.received >= offered, "the backend connection ended after \(counts.received) of \(offered) bytes")
            #expect(
                counts.sent <= bound,
                """
                the echo server could send \(counts.sent) of \(offered) bytes to a client that reads nothing \
                (bound \(bound): kernel buffers and \(allowance) in the proxy)
                """)
            let after = setup.serve.residentKiB
            #expect(
                after - before < 24 * 1_024,
                "proxy grew from \(before) KiB to \(after) KiB with \(offered / 1_048_576) MiB offered")
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
        let setup = try await ServeFixture(name: "robust-many", extraArguments: ["--handshake-timeout", "300"], boundedBuffers: true)
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
                            let (channel, completed) = try await TLSTestClient.open(port: port, context: context)
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
