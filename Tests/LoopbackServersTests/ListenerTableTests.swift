import Foundation
import LoopbackServers
import StapleTestSupport
import Testing

/// Whether a port listens, read from /proc/net/tcp: against real sockets, and the parsing alone.
@Suite("listener table")
struct ListenerTableTests {
    @Test("sees a listening socket, and not a bound one that does not listen")
    func listeningAndBound() throws {
        let listening = try SilentListener()
        let bound = try ClosedPort()
        #expect(ListenerTable.isListening(port: listening.port))
        #expect(!ListenerTable.isListening(port: bound.port))
        withExtendedLifetime((listening, bound)) {}
    }

    @Test("reads the whole table: every one of 300 listeners is seen, not only the first page's ~26")
    func wholeTable() throws {
        let listeners = try (0..<300).map { _ in try SilentListener() }
        let unseen = listeners.map(\.port).filter { !ListenerTable.isListening(port: $0) }
        #expect(unseen.isEmpty, "not seen: \(unseen)")
        withExtendedLifetime(listeners) {}
    }

    @Test("only state 0A (LISTEN) on the local address's port counts; the heading line is skipped")
    func parsing() {
        let table = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0
               1: 0100007F:D431 0100007F:0050 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0
               2: 0100007F:0051 0100007F:1F91 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0

            """
        #expect(ListenerTable.listens(port: 8080, table: table))
        // 80 is only a remote port, 81 only an established connection's local port, 8081 a remote one.
        #expect(!ListenerTable.listens(port: 80, table: table))
        #expect(!ListenerTable.listens(port: 81, table: table))
        #expect(!ListenerTable.listens(port: 8081, table: table))
        #expect(!ListenerTable.listens(port: 8080, table: ""))
    }
}

/// Waiting for a listener: listening, the server gone first, or neither.
@Suite("listener wait")
struct ListenerWaitTests {
    @Test("returns listening for a socket that listens")
    func listening() async throws {
        let listener = try SilentListener()
        #expect(await ListenerWait.wait(port: listener.port, timeout: .seconds(120)) == .listening)
        withExtendedLifetime(listener) {}
    }

    @Test("returns exited as soon as the server is gone, without waiting for the timeout")
    func exited() async throws {
        let bound = try ClosedPort()
        var checks = 0
        let outcome = await ListenerWait.wait(
            port: bound.port, timeout: .seconds(600), alive: { false }, waiting: { _ in checks += 1 })
        #expect(outcome == .exited)
        #expect(checks == 0)
        withExtendedLifetime(bound) {}
    }

    @Test("returns timedOut for a port nobody listens on while the server runs, reporting each wait")
    func timedOut() async throws {
        let bound = try ClosedPort()
        var checks = 0
        let outcome = await ListenerWait.wait(
            port: bound.port, timeout: .milliseconds(200), interval: .milliseconds(10), waiting: { _ in checks += 1 })
        #expect(outcome == .timedOut)
        #expect(checks > 0)
        withExtendedLifetime(bound) {}
    }

    @Test("a free port is one nobody listens on, and can be bound again")
    func freePort() throws {
        let port = try LoopbackPort.free()
        #expect(port > 0)
        #expect(!ListenerTable.isListening(port: port))
    }

    @Test("free ports come from below the ephemeral range, which outgoing connections take their local ports from")
    func freePortsAvoidTheEphemeralRange() throws {
        let range = try String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)
        let start = try #require(range.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) })
        try #require(start > 11_000, "this machine's ephemeral range starts at \(start): nothing below it to draw from")
        let ports = try (0..<50).map { _ in try LoopbackPort.free() }
        #expect(ports.allSatisfy { $0 >= 10_000 && $0 < start }, "\(ports)")
        // And one can be bound.
        let (fd, bound) = (socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0), ports[0])
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(bound).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(result == 0)
    }
}
