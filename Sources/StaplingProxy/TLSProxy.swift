import Foundation
import Listening
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
    private let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
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

    /// Connections open right now.
    package var openConnections: Int { connections.withLockedValue { $0.count } }

    package func run() async throws {
        // One listening socket per event loop (SO_REUSEPORT): each loop accepts its own connections
        // and keeps them, as each nginx worker does, so no connection is handed between threads.
        let opened: [any Channel]
        do {
            opened = try await ReusePortListeners.bind(host: listen.host, port: listen.port, group: group) {
                $0.childChannelOption(.allowRemoteHalfClosure, value: true)
                    .childChannelInitializer { [self] child in accept(child) }
            }
        } catch {
            failWaiters(error)
            throw error
        }
        let servers = opened
        let address = servers[0].localAddress!
        let waiters = bound.withLockedValue { state in
            state.address = address
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume(returning: address) }
        logger.info(
            "Serving TLS",
            metadata: [
                "proxy.listen": "\(address)", "proxy.backend": "\(backend)", "proxy.listeners": "\(servers.count)",
            ])

        await withGracefulShutdownHandler {
            for server in servers { try? await server.closeFuture.get() }
        } onGracefulShutdown: {
            for server in servers { server.close(promise: nil) }
        }
        for server in servers { try? await server.close() }
        await drain()
        logger.info("Stopped serving TLS", metadata: ["proxy.listen": "\(address)"])
    }

    private func failWaiters(_ error: any Error) {
        let waiters = bound.withLockedValue { state in
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume(throwing: error) }
    }

    /// Starts TLS on the client's channel; the backend is connected when the first plaintext byte
    /// arrives (see ``GlueHandler``), and a backend that is down closes the client.
    private func accept(_ child: any Channel) -> EventLoopFuture<Void> {
        let tlsContext = context.withLockedValue { $0 }
        let id = ObjectIdentifier(child)
        connections.withLockedValue { $0[id] = child }
        child.closeFuture.whenComplete { [connections] _ in
            _ = connections.withLockedValue { $0.removeValue(forKey: id) }
        }
        let logger = self.logger
        let backend = self.backend
        let front = GlueHandler.connectingOnFirstByte(logger: logger) { context in
            let glue = GlueHandler.backendSide()
            // The backend channel lives on the client's event loop, so the handler never leaves it.
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
        return child.eventLoop.makeCompletedFuture {
            // Two handlers per connection: TLS, and the glue, which also logs the connection's errors.
            let tls = try OpenSSLTLSHandler(server: tlsContext)
            try child.pipeline.syncOperations.addHandler(tls)
            try child.pipeline.syncOperations.addHandler(front)
        }
    }

    /// Waits for open connections to close, up to the drain timeout, then closes what is left.
    private func drain() async {
        let open = connections.withLockedValue { Array($0.values) }
        if !open.isEmpty {
            let allClosed = EventLoopFuture.andAllComplete(open.map(\.closeFuture), on: group.next())
            let timeout = Duration.nanoseconds(drainTimeout.nanoseconds)
            await withTaskGroup(of: Bool.self) { waits in
                waits.addTask {
                    try? await allClosed.get()
                    return true
                }
                waits.addTask {
                    (try? await Task.sleep(for: timeout)) == nil
                }
                // Whichever comes first: all closed, or the deadline (then the rest is closed, which
                // completes the first wait too).
                _ = await waits.next()
                waits.cancelAll()
                await closeRemaining()
            }
        } else {
            await closeRemaining()
        }
    }

    /// Closes the connections still open (those left after the drain timeout).
    private func closeRemaining() async {
        let left = connections.withLockedValue { Array($0.values) }
        guard !left.isEmpty else { return }
        logger.info(
            "Closing connections still open after the drain timeout", metadata: ["proxy.connections": "\(left.count)"])
        for channel in left { try? await channel.close() }
    }
}
