internal import CLinuxEvents
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The handshake front's listening socket: one, shared by the front loops as nginx's workers share
/// theirs, each loop with a descriptor of its own for it (a `dup`), which it watches with
/// `EPOLLEXCLUSIVE`: a new connection wakes one loop that waits, so it goes to an idle thread.
///
/// (One `SO_REUSEPORT` socket per loop, as before, spreads connections by a hash of their addresses
/// instead: two clients' handshakes often land on one thread while the other idles, and each waits
/// for the other's: with two `openssl s_time` clients, 0.89–1.03× nginx's handshakes a second at the
/// same CPU per handshake, against 1.01–1.05× with the shared socket; docs/perf-handshake.md.)
///
/// Non-blocking, close-on-exec, backlog 1,024, `SO_REUSEADDR`, and `TCP_NODELAY`, which accepted
/// sockets inherit on Linux. Without `SO_REUSEPORT`, an address in use is an error.
enum ListeningSockets {
    static let backlog: Int32 = 1_024

    /// Binds one listening socket to `host:port` (port 0: a free port) and returns `count`
    /// descriptors for it (the socket stops listening when the last is closed).
    ///
    /// - Returns: the descriptors and the address bound.
    /// - Throws: `IOError` (bind, listen, ...: what `staple serve` reports as "cannot listen"), after
    ///   closing what was opened; or the resolver's error for a host that does not resolve.
    static func open(host: String, port: Int, count: Int) throws -> (descriptors: [Int32], address: SocketAddress) {
        let requested = try SocketAddress.makeAddressResolvingHost(host, port: port)
        let listener = try socket(for: requested)
        var opened = [listener]
        do {
            let bound = try localAddress(of: listener, resolved: requested)
            for _ in 1..<max(1, count) {
                let copy = fcntl(listener, F_DUPFD_CLOEXEC, 0)
                guard copy >= 0 else { throw IOError(errnoCode: errno, reason: "dup of the listening socket") }
                opened.append(copy)
            }
            return (opened, bound)
        } catch {
            for descriptor in opened { close(descriptor) }
            throw error
        }
    }

    /// A bound, listening, non-blocking socket.
    private static func socket(for address: SocketAddress) throws -> Int32 {
        let family: Int32 = address.protocol == .inet6 ? AF_INET6 : AF_INET
        let descriptor = Glibc.socket(
            family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        do {
            try option(descriptor, SOL_SOCKET, SO_REUSEADDR)
            try option(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY)
            let result = address.withSockAddr { Glibc.bind(descriptor, $0, socklen_t($1)) }
            guard result == 0 else { throw IOError(errnoCode: errno, reason: "bind \(address)") }
            guard listen(descriptor, backlog) == 0 else { throw IOError(errnoCode: errno, reason: "listen \(address)") }
        } catch {
            close(descriptor)
            throw error
        }
        return descriptor
    }

    private static func option(_ descriptor: Int32, _ level: Int32, _ name: Int32) throws {
        var one: Int32 = 1
        guard setsockopt(descriptor, level, name, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw IOError(errnoCode: errno, reason: "setsockopt")
        }
    }

    /// The address `descriptor` is bound to: `resolved` with the port the kernel picked.
    private static func localAddress(of descriptor: Int32, resolved: SocketAddress) throws -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { throw IOError(errnoCode: errno, reason: "getsockname") }
        let port: Int
        switch Int32(storage.ss_family) {
        case AF_INET6:
            port = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            }
        default:
            port = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        }
        var address = resolved
        address.port = port
        return address
    }
}
