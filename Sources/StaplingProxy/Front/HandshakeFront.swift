import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The TLS front of `staple serve`: one ``EpollLoop`` thread per event loop of the group, each with
/// its own descriptor of one shared listening socket, making handshakes without a channel and
/// handing connections that send data to their event loop.
///
/// Why not a channel per connection from the start: most of what `staple serve` spent per handshake
/// above nginx was SwiftNIO's per-connection channel (creation, registration, pipeline set-up and
/// teardown, future chains, more `epoll_ctl` calls), for connections that often never carry a byte
/// of application data (scanners, health checks, monitoring handshakes). See docs/perf-handshake.md.
final class HandshakeFront: Sendable {
    private let loops: [EpollLoop]

    /// Binds the listeners and makes one front loop per event loop (threads not started yet).
    ///
    /// - Throws: `IOError` (what `staple serve` reports as "cannot listen"), with nothing left open.
    init(host: String, port: Int, eventLoops: [any EventLoop], environment: FrontEnvironment) throws {
        let (listeners, address) = try ListeningSockets.open(host: host, port: port, count: eventLoops.count)
        var loops: [EpollLoop] = []
        do {
            for (listener, eventLoop) in zip(listeners, eventLoops) {
                loops.append(try EpollLoop(listener: listener, eventLoop: eventLoop, environment: environment))
            }
        } catch {
            // The loops made so far close their listeners when released; close the others.
            for listener in listeners.dropFirst(loops.count) { _ = close(listener) }
            throw error
        }
        self.loops = loops
        self.address = address
    }

    /// The address bound (the port picked, for port 0).
    let address: SocketAddress

    func start() {
        for (index, loop) in loops.enumerated() { loop.start(name: "staple-front-\(index)") }
    }

    /// Stops accepting; handshakes under way go on.
    func stopAccepting() {
        for loop in loops { loop.stopAccepting() }
    }

    /// Closes what is still in the front and ends its threads.
    func stop() async {
        for loop in loops { await loop.stop() }
    }

    /// Connections handshaking or waiting for their first record now.
    var openConnections: Int { loops.reduce(0) { $0 + $1.openConnections } }
}
