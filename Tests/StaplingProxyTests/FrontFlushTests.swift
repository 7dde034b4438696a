import Foundation
import NIOCore
import NIOEmbedded
import StapleTestSupport
import TLSStapling
import Testing

@testable import StaplingProxy

#if canImport(Glibc)
    import Glibc
#endif

/// The front's writes when the socket cannot take a whole flight: a `FrontConnection` on one end of a
/// socket pair with the smallest send buffer, and a client handler in memory on the other, moved by
/// hand (loopback TCP grows its send buffer past any certificate chain, so it never fills).
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
        // The leaf's chain file (the leaf and its CA), then the CA 40 times more: a Certificate
        // message of about 20 KB, within the client's 100 KB limit and four times the send buffer.
        let chain = "\(pki.directory)/big-chain.pem"
        let leafPEM = try String(contentsOfFile: leaf.pemPath, encoding: .utf8)
        let caPEM = try String(contentsOfFile: pki.caPath, encoding: .utf8)
        try (leafPEM + String(repeating: caPEM, count: 40)).write(toFile: chain, atomically: true, encoding: .utf8)
        let server = try OpenSSLServerContext(
            configuration: TLSServerConfiguration(
                certificates: [TLSCertificateSource(chainPath: chain, keyPath: leaf.keyPath)],
                minimumVersion: version, maximumVersion: version),
            provider: NoStaple())

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
        let client = EmbeddedChannel()
        let completion = Completion()
        try client.pipeline.syncOperations.addHandlers([
            try OpenSSLTLSHandler(client: OpenSSLClientContext(configuration: TLSClientConfiguration())), completion,
        ])
        try client.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()

        var waitedToWrite = 0
        var outcome = FrontConnection.Outcome.wait
        var sentPing = false
        for _ in 0..<10_000 {
            // Client to server: blocking writes of what the client handler produced.
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
            outcome = connection.advance()
            if connection.waitsToWrite { waitedToWrite += 1 }
            guard outcome == .wait else { break }
            // Server to client: what the socket holds now (a few KB at a time: the send buffer).
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { recv(clientEnd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                var buffer = client.allocator.buffer(capacity: count)
                buffer.writeBytes(chunk[0..<count])
                try client.writeInbound(buffer)
            }
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
}
