import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP front of the responder: SwiftNIO's HTTP/1.1 codec and one small handler per connection.
///
/// Why NIOHTTP1 rather than Hummingbird: the responder has one route and answers from memory, so
/// a router, middleware chain and request context would only add work per request; NIOHTTP1 gives
/// the HTTP/1.1 codec, and one handler of ours does the rest (keep-alive, limits, 400s).
package final class ResponderServer: Sendable {
    private let state: ResponderState
    private let limits: ResponderLimits
    private let group: any EventLoopGroup
    private let logger: Logger
    private let connections = ConnectionRegistry()
    private let serverChannel = NIOLockedValueBox<(any Channel)?>(nil)

    package init(state: ResponderState, limits: ResponderLimits, group: any EventLoopGroup, logger: Logger) {
        self.state = state
        self.limits = limits
        self.group = group
        self.logger = logger
    }

    /// Binds and starts accepting; returns the port bound (useful with port 0).
    ///
    /// - Throws: ``ResponderError`` (``ResponderErrorCode/cannotListen``) naming the address.
    package func start(host: String, port: Int) async throws(ResponderError) -> Int {
        let state = self.state
        let limits = self.limits
        let connections = self.connections
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                guard connections.admit(channel, maximum: limits.maximumConnections) else {
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    // No pipelining assistant and no protocol error handler: the handler answers each
                    // request synchronously as it ends (so pipelined answers keep their order) and answers
                    // parse errors itself; two handlers fewer on every read and write. No outbound header
                    // validation: every header value is made by the responder, none is taken from a request.
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false)
                    try channel.pipeline.syncOperations.addHandler(ResponderHTTPHandler(state: state, limits: limits))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: host, port: port).get()
            serverChannel.withLockedValue { $0 = channel }
            let bound = channel.localAddress?.port ?? port
            logger.info(
                "responder listening", metadata: ["ocsp.listen": "\(host):\(bound)"])
            return bound
        } catch {
            throw ResponderError(.cannotListen, subject: "\(host):\(port)", reason: "\(error)")
        }
    }

    /// The number of connections open now.
    package var openConnections: Int { connections.count }

    /// Stops accepting, lets open connections finish their current request (idle ones are closed
    /// at once), and closes what is left after ``ResponderLimits/drainTimeout``.
    package func drain() async {
        let channel = serverChannel.withLockedValue { channel in
            defer { channel = nil }
            return channel
        }
        try? await channel?.close()
        connections.drain()
        let deadline = NIODeadline.now() + .nanoseconds(Int64(limits.drainTimeout * 1e9))
        while connections.count > 0, NIODeadline.now() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        connections.closeAll()
        logger.info("responder drained")
    }
}

/// The open connections, counted against the limit and told to drain.
final class ConnectionRegistry: Sendable {
    private struct Registry {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var draining = false
    }
    private let box = NIOLockedValueBox(Registry())

    var count: Int { box.withLockedValue { $0.channels.count } }

    /// Registers `channel` unless `maximum` are open or the server drains; it leaves on close.
    func admit(_ channel: any Channel, maximum: Int) -> Bool {
        let id = ObjectIdentifier(channel)
        let admitted = box.withLockedValue { registry in
            guard !registry.draining, registry.channels.count < maximum else { return false }
            registry.channels[id] = channel
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { [box] _ in
                _ = box.withLockedValue { $0.channels.removeValue(forKey: id) }
            }
        }
        return admitted
    }

    func drain() {
        let channels = box.withLockedValue { registry in
            registry.draining = true
            return Array(registry.channels.values)
        }
        for channel in channels { channel.pipeline.fireUserInboundEventTriggered(DrainEvent()) }
    }

    func closeAll() {
        for channel in box.withLockedValue({ Array($0.channels.values) }) { channel.close(promise: nil) }
    }
}
