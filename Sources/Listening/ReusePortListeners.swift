import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One listening socket per event loop, all bound to one address with `SO_REUSEPORT`: the kernel
/// spreads new connections over them, each loop accepts its own and keeps them (as each nginx
/// worker does), so no accepted connection is handed from one thread to another (a wake-up of the
/// other loop and a context switch per connection with a single listener).
///
/// `SO_REUSEPORT` would also let a second server share an address already in use; a probe bound
/// first without it (``bind(host:port:group:configure:)``) keeps "address in use" an error.
package enum ReusePortListeners {
    /// Binds one listener per loop of `group` to `host:port` (port 0: one free port for all).
    ///
    /// Every listener has a backlog of 1,024, `SO_REUSEADDR`, `SO_REUSEPORT` and `TCP_NODELAY`
    /// (set on the listening socket, which accepted sockets inherit on Linux: one option less to
    /// apply per connection). Accepted channels stay on the loop of their listener.
    ///
    /// - Parameter configure: adds child options and the child channel initializer.
    /// - Returns: the listeners, the first one's `localAddress` being the address bound.
    /// - Throws: the bind error (address in use, cannot assign), after closing what was opened.
    package static func bind(
        host: String, port: Int, group: any EventLoopGroup,
        configure: (ServerBootstrap) -> ServerBootstrap
    ) async throws -> [any Channel] {
        let port = try await probe(host: host, port: port, loop: group.next())
        var opened: [any Channel] = []
        do {
            for loop in group.makeIterator() {
                opened.append(try await configure(bootstrap(loop)).bind(host: host, port: port).get())
            }
        } catch {
            for listener in opened { try? await listener.close() }
            throw error
        }
        return opened
    }

    /// Binds `host:port` once without `SO_REUSEPORT`, which fails when anyone listens there, and
    /// returns the port (the one picked, for port 0) once the probe is closed again.
    private static func probe(host: String, port: Int, loop: any EventLoop) async throws -> Int {
        let probe = try await ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port)
            .get()
        let bound = probe.localAddress?.port ?? port
        try? await probe.close()
        return bound
    }

    private static func bootstrap(_ loop: any EventLoop) -> ServerBootstrap {
        ServerBootstrap(group: loop, childGroup: loop)
            .serverChannelOption(.backlog, value: 1_024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(ChannelOptions.socket(SocketOptionLevel(SOL_SOCKET), SO_REUSEPORT), value: 1)
            .serverChannelOption(.socketOption(.tcp_nodelay), value: 1)
    }
}
