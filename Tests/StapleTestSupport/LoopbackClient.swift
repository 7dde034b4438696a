import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Blocking client sockets on loopback, for tests that drive a server byte by byte.
package enum LoopbackClient {
    /// A blocking TCP socket connected to `127.0.0.1:port`.
    ///
    /// - Parameters:
    ///   - receiveBuffer: `SO_RCVBUF`, set before connecting (it bounds the window the client offers).
    ///   - receiveTimeout: seconds after which a read fails (a bound that ends a broken run, not a timing).
    /// - Throws: `IOError` naming what failed; nothing is left open.
    package static func connect(port: Int, receiveBuffer: Int32? = nil, receiveTimeout: Int? = nil) throws -> Int32 {
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard client >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        var succeeded = false
        defer { if !succeeded { close(client) } }
        if var size = receiveBuffer,
            setsockopt(client, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) != 0
        {
            throw IOError(errnoCode: errno, reason: "SO_RCVBUF")
        }
        if let receiveTimeout {
            var timeout = timeval(tv_sec: receiveTimeout, tv_usec: 0)
            guard setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0
            else { throw IOError(errnoCode: errno, reason: "SO_RCVTIMEO") }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw IOError(errnoCode: errno, reason: "connect to 127.0.0.1:\(port)") }
        succeeded = true
        return client
    }
}
