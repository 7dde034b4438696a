import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import TLSStapling

/// `staple serve`'s data path: accepts TLS on `listen`, staples through the current TLS context's
/// provider, and proxies the plaintext both ways to `backend`, half-closes included.
///
/// A swift-service-lifecycle `Service`: `run()` binds and serves until graceful shutdown, then stops
/// accepting, lets open connections finish for up to ``drainTimeout``, and closes the rest.
///
/// Handshakes are made by a front of its own (``HandshakeFront``: an accept and epoll loop per event
/// loop, OpenSSL on the socket); a connection becomes a channel only when it sends application data.
/// ``reload(_:)`` swaps the TLS context (new certificates) for new connections without a restart.
package final class TLSProxy: Service, Sendable {
    package struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        package var host: String
        package var port: Int
        package init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
        package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    package let listen: Endpoint
    package let backend: Endpoint
    package let drainTimeout: TimeAmount
    private let group: any EventLoopGroup
    private let logger: Logger
    private let context: NIOLockedValueBox<OpenSSLServerContext>
    private let connections = NIOLockedValueBox(Channels())
    private let front = NIOLockedValueBox<HandshakeFront?>(nil)
    private let handoff: Handoff

    /// The channels of connections handed off by the front, and those being handed off.
    private struct Channels {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var adopting = 0
    }
    private let bound = NIOLockedValueBox<
        (address: SocketAddress?, waiters: [CheckedContinuation<SocketAddress, any Error>])
    >((nil, []))

    package init(
        listen: Endpoint, backend: Endpoint, context: OpenSSLServerContext, group: any EventLoopGroup,
        drainTimeout: TimeAmount = .seconds(10), logger: Logger
    ) {
        self.listen = listen
        self.backend = backend
        self.context = NIOLockedValueBox(context)
        self.group = group
        self.drainTimeout = drainTimeout
        self.logger = logger
        handoff = Handoff(backend: backend, logger: logger)
    }

    /// Uses `context` (certificates, keys) for connections accepted from now on.
    package func reload(_ context: OpenSSLServerContext) {
        self.context.withLockedValue { $0 = context }
    }

    /// The address actually bound (useful with port 0), once `run()` has bound it.
    package func boundAddress() async throws -> SocketAddress {
        try await withCheckedThrowingContinuation { continuation in
            let ready: SocketAddress? = bound.withLockedValue { state in
                if let address = state.address { return address }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Connections open right now: in the handshake front, being handed to a channel, and in channels.
    package var openConnections: Int {
        (front.withLockedValue { $0 }?.openConnections ?? 0)
            + connections.withLockedValue { $0.channels.count + $0.adopting }
    }

    package func run() async throws {
        // One front thread per event loop, all accepting from one listening socket, making handshakes
        // without a channel; a connection that sends data goes to a channel on that thread's loop.
        let handshakeFront: HandshakeFront
        do {
            handshakeFront = try HandshakeFront(
                host: listen.host, port: listen.port, eventLoops: Array(group.makeIterator()),
                environment: FrontEnvironment(
                    context: { [context] in context.withLockedValue { $0 } },
                    handOff: { [self] descriptor, session, loop in adopt(descriptor, session: session, on: loop) },
                    logger: logger))
        } catch {
            failWaiters(error)
            throw error
        }
        front.withLockedValue { $0 = handshakeFront }
        handshakeFront.start()
        let address = handshakeFront.address
        let waiters = bound.withLockedValue { state in
            state.address = address
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume(returning: address) }
        logger.info(
            "Serving TLS",
            metadata: [
                "proxy.listen": "\(address)", "proxy.backend": "\(backend)",
                "proxy.listeners": "\(group.makeIterator().reduce(0) { n, _ in n + 1 })",
            ])

        // Until graceful shutdown (or cancellation): then accept no more, and drain.
        try? await gracefulShutdown()
        handshakeFront.stopAccepting()
        await drain(handshakeFront)
        logger.info("Stopped serving TLS", metadata: ["proxy.listen": "\(address)"])
    }

    private func failWaiters(_ error: any Error) {
        let waiters = bound.withLockedValue { state in
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume(throwing: error) }
    }

    /// Takes a connection from the front (on the front's thread): counted from now until its channel
    /// is registered, or has failed.
    private func adopt(_ descriptor: Int32, session: ServerSocketSession, on loop: any EventLoop) {
        connections.withLockedValue { $0.adopting += 1 }
        handoff.adopt(descriptor, session: session, on: loop).whenComplete { [connections, logger] result in
            connections.withLockedValue { state in
                state.adopting -= 1
                if case .success(let channel) = result { state.channels[ObjectIdentifier(channel)] = channel }
            }
            switch result {
            case .success(let channel):
                let id = ObjectIdentifier(channel)
                channel.closeFuture.whenComplete { _ in
                    _ = connections.withLockedValue { $0.channels.removeValue(forKey: id) }
                }
            case .failure(let error):
                logger.debug("Connection error", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Waits for open connections to close, up to the drain timeout, then closes what is left: the
    /// front's first (so that no hand-off starts after), then the channels.
    private func drain(_ handshakeFront: HandshakeFront) async {
        let clock = ContinuousClock()
        let deadline = clock.now + .nanoseconds(drainTimeout.nanoseconds)
        while openConnections > 0, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        await handshakeFront.stop()
        // Hand-offs already started finish registering (or fail) quickly; close what is open after.
        while openConnections > 0 {
            let left = connections.withLockedValue { Array($0.channels.values) }
            if !left.isEmpty {
                logger.info(
                    "Closing connections still open after the drain timeout",
                    metadata: ["proxy.connections": "\(left.count)"])
            }
            for channel in left { try? await channel.close() }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
