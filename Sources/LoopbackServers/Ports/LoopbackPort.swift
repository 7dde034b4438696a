import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Ports on 127.0.0.1 chosen by the kernel.
package enum LoopbackPort {
    /// A TCP socket bound to 127.0.0.1 on a port the kernel chose, and that port; the caller owns
    /// the descriptor (not listening).
    ///
    /// - Throws: ``LoopbackError`` `socketFailed` with the errno.
    package static func bindAny() throws(LoopbackError) -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else {
            throw LoopbackError(.socketFailed, subject: "127.0.0.1", reason: "socket: errno \(errno)")
        }
        let bound = bindLoopback(fd, port: 0)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound, named == 0 else {
            let failure = errno
            close(fd)
            throw LoopbackError(.socketFailed, subject: "127.0.0.1", reason: "bind/getsockname: errno \(failure)")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago (bound, released: another process may
    /// take it before the caller does).
    ///
    /// Drawn at random below the kernel's ephemeral range (`ip_local_port_range`), never from it: a
    /// port the kernel hands out for `bind(0)` is handed out again for the local end of the next
    /// outgoing connection, so a server told to listen on it a moment later could find it taken
    /// (a parallel test's HTTP client took one once). Falls back to the kernel's choice when the
    /// range leaves no room below it.
    ///
    /// - Throws: ``LoopbackError`` `socketFailed` with the errno.
    package static func free() throws(LoopbackError) -> Int {
        let low = 10_000
        let high = (ephemeralRangeStart() ?? 32_768) - 1
        if high - low >= 1_000 {
            for _ in 0..<64 {
                let port = Int.random(in: low...high)
                if canBind(port) { return port }
            }
        }
        let (fd, port) = try bindAny()
        close(fd)
        return port
    }

    /// The first port of `/proc/sys/net/ipv4/ip_local_port_range`.
    private static func ephemeralRangeStart() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)
        else { return nil }
        return text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) }
    }

    /// Whether a TCP socket can be bound to 127.0.0.1:`port` now (it is closed again at once).
    private static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return bindLoopback(fd, port: port)
    }

    /// Binds `fd` to 127.0.0.1:`port` (0: a port the kernel chooses).
    private static func bindLoopback(_ fd: Int32, port: Int) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }
}
