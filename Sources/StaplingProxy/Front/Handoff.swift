import Logging
import NIOCore
import NIOPosix
import TLSStapling

/// Adopts a connection from the handshake front into a channel on its event loop: the TLS handler
/// takes the session over (established, with the record it holds), then the glue connects the
/// backend on that first byte and proxies both ways, as for any connection.
struct Handoff: Sendable {
    var backend: TLSProxy.Endpoint
    var logger: Logger

    /// Wraps `descriptor` (a connected socket, now the channel's) in a channel on `loop`.
    ///
    /// - Returns: the channel, registered and active; a failure has closed the socket.
    func adopt(
        _ descriptor: Int32, session: ServerSocketSession, on loop: any EventLoop
    ) -> EventLoopFuture<any Channel> {
        ClientBootstrap(group: loop)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    // Two handlers per connection: TLS, and the glue, which also logs the connection's errors.
                    try channel.pipeline.syncOperations.addHandler(OpenSSLTLSHandler(handingOff: session))
                    try channel.pipeline.syncOperations.addHandler(
                        GlueHandler.connectingOnFirstByte(logger: logger, backendConnector()))
                }
            }
            .withConnectedSocket(descriptor)
    }

    /// Connects the backend on the client's event loop, so the glue handlers never leave it.
    private func backendConnector() -> GlueHandler.Connector {
        let backend = backend
        let logger = logger
        return { context in
            let glue = GlueHandler.backendSide()
            let boundGlue = NIOLoopBound(glue, eventLoop: context.eventLoop)
            return ClientBootstrap(group: context.eventLoop)
                .channelOption(.allowRemoteHalfClosure, value: true)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(.seconds(5))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(boundGlue.value)
                    }
                }
                .connect(host: backend.host, port: backend.port)
                .map { _ in boundGlue }
                .flatMapErrorThrowing { error in
                    logger.warning(
                        "Backend unreachable; closing the client",
                        metadata: ["proxy.backend": "\(backend)", "error": "\(error)"])
                    throw error
                }
        }
    }
}
