import Foundation
import NIOCore
import StapleTestSupport
import Testing

@testable import StaplingProxy

#if canImport(Glibc)
    import Glibc
#endif

/// The front's listening socket: one socket, a descriptor of it per loop, over real loopback sockets.
@Suite struct ListeningSocketsTests {
    @Test("every loop's descriptor is the same socket, which accepts until the last descriptor is closed")
    func oneSocketManyDescriptors() throws {
        let (descriptors, address) = try ListeningSockets.open(host: "127.0.0.1", port: 0, count: 3)
        let port = try #require(address.port)
        #expect(descriptors.count == 3 && Set(descriptors).count == 3)
        #expect(Set(descriptors.map(Self.inode)).count == 1, "not one socket")
        for descriptor in descriptors {
            #expect(fcntl(descriptor, F_GETFD) & FD_CLOEXEC != 0, "descriptor \(descriptor) is inherited by children")
            #expect(fcntl(descriptor, F_GETFL) & O_NONBLOCK != 0)
        }
        // Connections queue on the one socket; any descriptor accepts them.
        let first = try LoopbackClient.connect(port: port)
        defer { close(first) }
        let accepted = accept(descriptors[2], nil, nil)
        #expect(accepted >= 0)
        close(accepted)

        close(descriptors[0])
        close(descriptors[1])
        let second = try LoopbackClient.connect(port: port)
        close(second)
        close(descriptors[2])
        #expect(throws: (any Error).self, "still listening with every descriptor closed") {
            close(try LoopbackClient.connect(port: port))
        }
    }

    @Test("an address another socket listens on is refused, not shared")
    func addressInUse() throws {
        let (descriptors, address) = try ListeningSockets.open(host: "127.0.0.1", port: 0, count: 2)
        defer { descriptors.forEach { close($0) } }
        #expect(throws: IOError.self) { try ListeningSockets.open(host: "127.0.0.1", port: address.port ?? 0, count: 2) }
    }

    private static func inode(_ descriptor: Int32) -> UInt {
        var status = stat()
        return fstat(descriptor, &status) == 0 ? UInt(status.st_ino) : 0
    }
}
