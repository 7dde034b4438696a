import Listening
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
    private let serverChannels = NIOLockedValueBox<[any Channel]>([])

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
        do {
            // One listener per event loop (SO_REUSEPORT), as `staple serve`: a connection is accepted
            // and answered on one thread, without a hand-over to another loop (a wake-up and a
            // context switch per connection with a single listener).
            let listeners = try await ReusePortListeners.bind(host: host, port: port, group: group) {
                $0.childChannelOption(.maxMessagesPerRead, value: 16)
                    .childChannelInitializer { channel in
                        guard connections.admit(channel, maximum: limits.maximumConnections) else {
                            return channel.close()
                        }
                        return channel.eventLoop.makeCompletedFuture {
                            try ResponderHTTPHandler.configure(
                                channel.pipeline.syncOperations, state: state, limits: limits)
                        }
                    }
            }
            serverChannels.withLockedValue { $0 = listeners }
            let bound = listeners.first?.localAddress?.port ?? port
            logger.info(
                "responder listening",
                metadata: ["ocsp.listen": "\(host):\(bound)", "ocsp.listeners": "\(listeners.count)"])
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
        let listeners = serverChannels.withLockedValue { listeners in
            defer { listeners = [] }
            return listeners
        }
        for listener in listeners { try? await listener.close() }
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
