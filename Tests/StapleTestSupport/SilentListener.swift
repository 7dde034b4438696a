import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback port that listens and never accepts nor answers: connections complete (the kernel
/// queues them) and then hear nothing, the "server that accepts and never answers" of a test.
package final class SilentListener: @unchecked Sendable {
    // @unchecked: `fd` and `port` are set once in init and never change.
    package let port: Int
    private let fd: Int32

    package init() throws {
        let (fd, port) = try SystemTools.bindLoopback()
        guard listen(fd, 64) == 0 else {
            close(fd)
            throw ToolError(description: "listen: \(errno)")
        }
        self.fd = fd
        self.port = port
    }

    deinit { close(fd) }
}
