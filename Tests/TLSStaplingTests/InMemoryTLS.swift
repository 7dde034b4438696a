import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import TLSStapling

/// Records what reaches the end of a pipeline: handshake results, plaintext, errors, half-closes.
final class Recorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    var handshake: TLSHandshakeCompleted?
    var received = ""
    var errors: [any Error] = []
    var inputClosed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readString(length: buffer.readableBytes) ?? ""
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let completed = event as? TLSHandshakeCompleted { handshake = completed }
        if case .some(.inputClosed) = event as? ChannelEvent { inputClosed = true }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { errors.append(error) }
}

/// Counts how often the server asked for a staple, and answers from a fixed map.
final class CountingProvider: StapleProvider {
    let staples: [[UInt8]: [UInt8]]
    private let counter = NIOLockedValueBox(0)
    init(_ staples: [[UInt8]: [UInt8]]) { self.staples = staples }
    var calls: Int { counter.withLockedValue { $0 } }

    func staple(forCertificateDER certificateDER: [UInt8], at now: Date) -> [UInt8]? {
        counter.withLockedValue { $0 += 1 }
        return staples[certificateDER]
    }
}

/// A client and a server handler wired back to back through two EmbeddedChannels.
struct InMemoryPair {
    let client: EmbeddedChannel
    let server: EmbeddedChannel
    let clientRecorder = Recorder()
    let serverRecorder = Recorder()

    init(server serverContext: OpenSSLServerContext, client clientContext: OpenSSLClientContext) throws {
        client = EmbeddedChannel()
        server = EmbeddedChannel()
        try client.pipeline.syncOperations.addHandlers([try OpenSSLTLSHandler(client: clientContext), clientRecorder])
        try server.pipeline.syncOperations.addHandlers([try OpenSSLTLSHandler(server: serverContext), serverRecorder])
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 443)
        try server.connect(to: address).wait()
        try client.connect(to: address).wait()
    }

    /// Moves bytes both ways until neither side has anything more to send.
    func exchange() throws {
        var moved = true
        while moved {
            moved = false
            while let bytes = try client.readOutbound(as: ByteBuffer.self) {
                try server.writeInbound(bytes)
                moved = true
            }
            while let bytes = try server.readOutbound(as: ByteBuffer.self) {
                try client.writeInbound(bytes)
                moved = true
            }
        }
    }

    func finish() {
        _ = try? client.finish(acceptAlreadyClosed: true)
        _ = try? server.finish(acceptAlreadyClosed: true)
    }
}
