import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOEmbedded
import StapleTestSupport
import TLSStapling
import Testing

@testable import StaplingProxy

#if canImport(Glibc)
    import Glibc
#endif

/// The front's writes: when the socket cannot take a whole flight (a `FrontConnection` on one end of a
/// socket pair with the smallest send buffer; and an ``EpollLoop`` whose loopback connection has the
/// smallest send buffer and window, which TCP does not grow), and how many segments a handshake
/// sends (loopback TCP); a client handler in memory on the other end, moved by hand.
@Suite struct FrontFlushTests {
    private struct NoStaple: StapleProvider {
        func staple(forCertificateDER certificateDER: [UInt8], at now: Date) -> [UInt8]? { nil }
    }

    private final class Completion: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var handshake: TLSHandshakeCompleted?
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let completed = event as? TLSHandshakeCompleted { handshake = completed }
        }
    }

    @Test(
        "a flight larger than the socket's send buffer waits for it to drain, then the handshake completes and hands off",
        arguments: [TLSVersion.tls12, .tls13])
    func flightLargerThanTheSendBuffer(version: TLSVersion) throws {
        let pki = try TestPKI(name: "front-flush")
        defer { pki.remove() }
        let leaf = try pki.issue(commonName: "site.test", fileName: "site")
        let server = try Self.bigChainContext(pki: pki, leaf: leaf, version: version)
        let leafPEM = try String(contentsOfFile: leaf.pemPath, encoding: .utf8)

        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer {
            close(pair[0])
            close(pair[1])
        }
        let serverEnd = pair[0]
        let clientEnd = pair[1]
        #expect(fcntl(serverEnd, F_SETFL, fcntl(serverEnd, F_GETFL) | O_NONBLOCK) == 0)
        var smallest: Int32 = 1  // the kernel raises it to its minimum
        #expect(setsockopt(serverEnd, SOL_SOCKET, SO_SNDBUF, &smallest, socklen_t(MemoryLayout<Int32>.size)) == 0)

        var connection = FrontConnection(session: try ServerSocketSession(context: server, socket: serverEnd), serial: 1)
        let (client, completion) = try Self.client()

        var waitedToWrite = 0
        var outcome = FrontConnection.Outcome.wait
        var sentPing = false
        for _ in 0..<10_000 {
            try Self.send(from: client, to: clientEnd)
            outcome = connection.advance()
            if connection.waitsToWrite { waitedToWrite += 1 }
            guard outcome == .wait else { break }
            // Server to client: what the socket holds now (a few KB at a time: the send buffer).
            try Self.receive(from: clientEnd, into: client)
            if completion.handshake != nil, !sentPing {
                sentPing = true
                try client.writeAndFlush(ByteBuffer(string: "ping")).wait()
            }
        }
        #expect(waitedToWrite > 0, "the flight always fit: the test did not reach the blocked path")
        #expect(outcome == .handOff)
        let handshake = try #require(completion.handshake)
        #expect(handshake.version == (version == .tls13 ? "TLSv1.3" : "TLSv1.2"))
        let inLeafFile = leafPEM.components(separatedBy: "-----BEGIN CERTIFICATE-----").count - 1
        #expect(handshake.peerCertificateChain.count == inLeafFile + 40)
        #expect(handshake.peerCertificateChain.first == leaf.der)
        _ = try? client.finish(acceptAlreadyClosed: true)
    }

    @Test(
        "through the front loop: a flight larger than the send buffer and the client's window goes out as the client reads",
        arguments: [TLSVersion.tls12, .tls13])
    func loopWaitsForWritability(version: TLSVersion) async throws {
        let pki = try TestPKI(name: "front-loop-flush")
        defer { pki.remove() }
        let leaf = try pki.issue(commonName: "site.test", fileName: "site")
        let server = try Self.bigChainContext(pki: pki, leaf: leaf, version: version)
        // The loop's listener as `staple serve` makes it, with the smallest send buffer, which accepted
        // sockets inherit (locked: TCP does not grow it); the client's receive window is the smallest
        // too. About 7 KB fit between them: the 20 KB flight must wait for the client to read.
        let (listeners, address) = try ListeningSockets.open(host: "127.0.0.1", port: 0, count: 1)
        var smallest: Int32 = 1  // the kernel raises it to its minimum
        #expect(setsockopt(listeners[0], SOL_SOCKET, SO_SNDBUF, &smallest, socklen_t(MemoryLayout<Int32>.size)) == 0)
        let handedOff = NIOLockedValueBox(false)
        let environment = FrontEnvironment(
            context: { server },
            handOff: { descriptor, _, _ in
                close(descriptor)
                handedOff.withLockedValue { $0 = true }
            },
            logger: Logger(label: "test.front"))
        let loop = try EpollLoop(
            listener: listeners[0], eventLoop: MultiThreadedEventLoopGroup.singleton.next(), environment: environment)
        loop.start(name: "test-front")

        // The client lives and ends on this thread, before any suspension (its embedded loop is this thread's).
        let chainLength = try Self.handshakeAndPing(port: address.port ?? 0)
        #expect(chainLength > 40)
        #expect(await eventually { handedOff.withLockedValue { $0 } }, "the connection was not handed off after its data")
        await loop.stop()
    }

    @Test(
        "the server sends two data segments per handshake: its flight, then (TLS 1.3) both session tickets in one",
        arguments: [TLSVersion.tls12, .tls13])
    func oneSegmentPerFlight(version: TLSVersion) throws {
        let pki = try TestPKI(name: "front-segments")
        defer { pki.remove() }
        let leaf = try pki.issue(commonName: "site.test", fileName: "site")
        let server = try OpenSSLServerContext(
            configuration: TLSServerConfiguration(
                certificates: [TLSCertificateSource(chainPath: leaf.pemPath, keyPath: leaf.keyPath)],
                minimumVersion: version, maximumVersion: version),
            provider: NoStaple())
        let (serverEnd, clientEnd) = try Self.loopbackConnection()
        defer {
            close(serverEnd)
            close(clientEnd)
        }
        // As `staple serve`'s listener: without it Nagle's algorithm alone would join the tickets.
        var one: Int32 = 1
        #expect(setsockopt(serverEnd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size)) == 0)
        #expect(fcntl(serverEnd, F_SETFL, fcntl(serverEnd, F_GETFL) | O_NONBLOCK) == 0)

        var connection = FrontConnection(session: try ServerSocketSession(context: server, socket: serverEnd), serial: 1)
        let (client, completion) = try Self.client()
        for _ in 0..<10_000 where connection.phase == .handshaking {
            try Self.send(from: client, to: clientEnd)
            let outcome = connection.advance()
            #expect(outcome == .wait)
            try Self.receive(from: clientEnd, into: client)
        }
        #expect(connection.phase == .established)
        #expect(completion.handshake?.version == (version == .tls13 ? "TLSv1.3" : "TLSv1.2"))
        // tcpi_data_segs_out (Linux 4.6 and later): segments that carried data.
        var info = [UInt8](repeating: 0, count: 256)
        var length = socklen_t(info.count)
        #expect(getsockopt(serverEnd, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) == 0)
        let dataSegmentsOut = info.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 156, as: UInt32.self) }
        #expect(length >= 160)
        #expect(dataSegmentsOut == 2, "segments with data from the server: \(dataSegmentsOut)")
        var corked: Int32 = -1
        var size = socklen_t(MemoryLayout<Int32>.size)
        #expect(getsockopt(serverEnd, Int32(IPPROTO_TCP), TCP_CORK, &corked, &size) == 0)
        #expect(corked == 0, "the socket was left corked: the next write would wait up to 200 ms")
        _ = try? client.finish(acceptAlreadyClosed: true)
    }

    /// A server context whose chain is `leaf`'s file (the leaf and its CA), then the CA 40 times more:
    /// a Certificate message of about 20 KB, within the client's 100 KB limit and four times the
    /// smallest send buffer.
    private static func bigChainContext(pki: TestPKI, leaf: TestPKI.Leaf, version: TLSVersion) throws
        -> OpenSSLServerContext
    {
        let chain = "\(pki.directory)/big-chain.pem"
        let leafPEM = try String(contentsOfFile: leaf.pemPath, encoding: .utf8)
        let caPEM = try String(contentsOfFile: pki.caPath, encoding: .utf8)
        try (leafPEM + String(repeating: caPEM, count: 40)).write(toFile: chain, atomically: true, encoding: .utf8)
        return try OpenSSLServerContext(
            configuration: TLSServerConfiguration(
                certificates: [TLSCertificateSource(chainPath: chain, keyPath: leaf.keyPath)],
                minimumVersion: version, maximumVersion: version),
            provider: NoStaple())
    }

    /// A TLS client handler in memory, connected, with what its handshake settled.
    private static func client() throws -> (EmbeddedChannel, Completion) {
        let client = EmbeddedChannel()
        let completion = Completion()
        try client.pipeline.syncOperations.addHandlers([
            try OpenSSLTLSHandler(client: OpenSSLClientContext(configuration: TLSClientConfiguration())), completion,
        ])
        try client.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        return (client, completion)
    }

    /// Client to server: blocking writes of what the client handler produced.
    private static func send(from client: EmbeddedChannel, to clientEnd: Int32) throws {
        while let bytes = try client.readOutbound(as: ByteBuffer.self) {
            bytes.withUnsafeReadableBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = write(clientEnd, raw.baseAddress! + offset, raw.count - offset)
                    guard written > 0 else { break }
                    offset += written
                }
            }
        }
    }

    /// Server to client: what the client's socket holds now, without waiting.
    private static func receive(from clientEnd: Int32, into client: EmbeddedChannel) throws {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(clientEnd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        guard count > 0 else { return }
        var buffer = client.allocator.buffer(capacity: count)
        buffer.writeBytes(chunk[0..<count])
        try client.writeInbound(buffer)
    }

    /// A handshake with the smallest receive window, reading the server's bytes as they come, then
    /// "ping": returns the length of the chain the server sent.
    private static func handshakeAndPing(port: Int) throws -> Int {
        let clientEnd = try LoopbackClient.connect(port: port, receiveBuffer: 1, receiveTimeout: 10)
        defer { close(clientEnd) }
        let (client, completion) = try client()
        defer { _ = try? client.finish(acceptAlreadyClosed: true) }
        try send(from: client, to: clientEnd)  // the ClientHello
        // Server to client, waiting for each chunk: a loop that never learns the socket can take more
        // leaves the rest of the flight unsent, and the read fails at the client's receive timeout.
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while completion.handshake == nil {
            let count = chunk.withUnsafeMutableBytes { recv(clientEnd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else {
                throw IOError(errnoCode: errno, reason: "the server stopped sending before the handshake was done")
            }
            var buffer = client.allocator.buffer(capacity: count)
            buffer.writeBytes(chunk[0..<count])
            try client.writeInbound(buffer)
            try send(from: client, to: clientEnd)
        }
        try client.writeAndFlush(ByteBuffer(string: "ping")).wait()
        try send(from: client, to: clientEnd)
        return completion.handshake?.peerCertificateChain.count ?? 0
    }

    /// Both ends of a loopback TCP connection, blocking (the listener is closed again).
    private static func loopbackConnection() throws -> (server: Int32, client: Int32) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 1) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        guard bound else { throw IOError(errnoCode: errno, reason: "loopback listener") }
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) == 0 }
        }
        guard connected else {
            close(client)
            throw IOError(errnoCode: errno, reason: "connect")
        }
        let server = accept(listener, nil, nil)
        guard server >= 0 else {
            close(client)
            throw IOError(errnoCode: errno, reason: "accept")
        }
        return (server, client)
    }
}
