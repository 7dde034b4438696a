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
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else {
            let failure = errno
            close(fd)
            throw LoopbackError(.socketFailed, subject: "127.0.0.1", reason: "bind/getsockname: errno \(failure)")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago (bound, read, released: another process
    /// may take it before the caller does).
    ///
    /// - Throws: ``LoopbackError`` `socketFailed` with the errno.
    package static func free() throws(LoopbackError) -> Int {
        let (fd, port) = try bindAny()
        close(fd)
        return port
    }
}
