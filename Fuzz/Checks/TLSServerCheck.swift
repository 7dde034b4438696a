import Foundation
import NIOCore
import NIOEmbedded
import OCSPCore
import StapleTestSupport
import TLSStapling

/// TLS records from a client, fed to the server side of ``OpenSSLTLSHandler`` over an
/// `EmbeddedChannel` (memory only), as `staple serve` runs it: a certificate with a staple, ALPN on.
///
/// Input layout: byte 0 sets the size of the pieces the rest is delivered in (1 to 256 bytes), so
/// records split across reads are tried too.
///
/// Invariants: never a crash; never a completed handshake (no input can forge the client's
/// Finished); what the server writes back is bounded (its first flight and an alert, at most
/// ``maximumOutput`` bytes whatever the input); a plaintext byte never reaches the application.
enum TLSServerCheck {
    /// 64 KiB: the server's first flight (hello, certificate, staple, signature) is about 3 KiB.
    static let maximumOutput = 65_536

    struct Fixture: @unchecked Sendable {
        // @unchecked: built once before fuzzing and only read afterwards, on one thread.
        let context: OpenSSLServerContext
        let leaf: TestPKI.Leaf
        let pki: TestPKI
    }

    final class FixedProvider: StapleProvider {
        let staple: [UInt8]
        init(_ staple: [UInt8]) { self.staple = staple }
        func staple(forCertificateDER certificateDER: [UInt8], at now: Date) -> [UInt8]? { staple }
    }

    /// Counts what reaches the application and whether a handshake completed.
    final class Sink: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var plaintext = 0
        var handshakes = 0
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            plaintext += unwrapInboundIn(data).readableBytes
        }
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is TLSHandshakeCompleted { handshakes += 1 }
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }

    static let fixture: Fixture = {
        do {
            let pki = try TestPKI(name: "fuzz-tls")
            let leaf = try pki.issue(commonName: "site.fuzz.test", fileName: "site")
            let staple = try pki.signedResponse(for: leaf.certificate)
            let context = try OpenSSLServerContext(
                configuration: TLSServerConfiguration(certificates: [leaf.tlsSource], alpnProtocols: ["h2", "http/1.1"]),
                provider: FixedProvider(staple))
            return Fixture(context: context, leaf: leaf, pki: pki)
        } catch {
            fatalError("tls-server fixture: \(error)")
        }
    }()

    static func prepare() { _ = fixture }

    static func check(_ bytes: [UInt8]) throws(InvariantViolation) {
        guard let first = bytes.first else { return }
        let piece = Int(first) + 1
        let channel = EmbeddedChannel()
        let sink = Sink()
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        do {
            try channel.pipeline.syncOperations.addHandlers([try OpenSSLTLSHandler(server: fixture.context), sink])
            try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        } catch {
            fatalError("tls-server: cannot set up the channel: \(error)")
        }
        var output = 0
        func drain() throws(InvariantViolation) {
            while let buffer = try? channel.readOutbound(as: ByteBuffer.self) {
                output += buffer.readableBytes
            }
            guard output <= maximumOutput else {
                throw InvariantViolation(.tlsServer, "the server wrote \(output) bytes back, over \(maximumOutput)")
            }
        }
        var offset = 1
        while offset < bytes.count, channel.isActive {
            let end = min(bytes.count, offset + piece)
            _ = try? channel.writeInbound(ByteBuffer(bytes: bytes[offset..<end]))
            offset = end
            try drain()
        }
        channel.embeddedEventLoop.run()
        try drain()
        guard sink.handshakes == 0 else {
            throw InvariantViolation(.tlsServer, "a handshake completed from bytes no client key produced")
        }
        guard sink.plaintext == 0 else {
            throw InvariantViolation(.tlsServer, "\(sink.plaintext) plaintext bytes reached the application without a handshake")
        }
    }

    /// Real first flights of our client role: TLS 1.2 and 1.3, with and without SNI and ALPN, each
    /// requesting status.
    static func seeds() -> [[UInt8]] {
        var seeds: [[UInt8]] = []
        for (minimum, maximum) in [(TLSVersion.tls12, TLSVersion.tls12), (.tls13, .tls13), (.tls12, .tls13)] {
            for (name, alpn) in [(nil, [String]()), ("site.fuzz.test", ["h2"])] {
                guard
                    let context = try? OpenSSLClientContext(
                        configuration: TLSClientConfiguration(
                            serverName: name, alpnProtocols: alpn, minimumVersion: minimum, maximumVersion: maximum)),
                    let handler = try? OpenSSLTLSHandler(client: context)
                else { continue }
                let channel = EmbeddedChannel()
                defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
                guard (try? channel.pipeline.syncOperations.addHandler(handler)) != nil,
                    (try? channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()) != nil
                else { continue }
                var flight: [UInt8] = []
                while let buffer = try? channel.readOutbound(as: ByteBuffer.self) {
                    flight += Array(buffer.readableBytesView)
                }
                if !flight.isEmpty { seeds.append([255] + flight) }
            }
        }
        return seeds
    }
}
