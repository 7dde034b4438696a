import Glibc
import StapleTestSupport
import TLSStapling
import Testing

@testable import StaplingProxy

/// The handshake front's pure parts, without sockets: the deadline queue and the descriptor table.
@Suite("handshake front bookkeeping")
struct FrontBookkeepingTests {
    typealias Entry = HandshakeDeadlines.Entry

    @Test("deadlines come due in order, only once, and only when their time has come")
    func dueInOrder() {
        var deadlines = HandshakeDeadlines()
        deadlines.add(Entry(deadline: 1_000, descriptor: 5, serial: 1))
        deadlines.add(Entry(deadline: 2_000, descriptor: 6, serial: 2))
        deadlines.add(Entry(deadline: 3_000, descriptor: 7, serial: 3))
        #expect(deadlines.due(at: 999).isEmpty)
        #expect(deadlines.due(at: 2_000).map(\.descriptor) == [5, 6])
        #expect(deadlines.due(at: 2_500).isEmpty)
        #expect(deadlines.due(at: 10_000).map(\.serial) == [3])
        #expect(deadlines.due(at: 20_000).isEmpty)
    }

    @Test("the wait until the next live deadline: rounded up to a millisecond, stale ones dropped, -1 for none")
    func waitUntilNext() {
        var deadlines = HandshakeDeadlines()
        #expect(deadlines.millisecondsUntilNext(at: 0) { _ in true } == -1)
        deadlines.add(Entry(deadline: 5_000_000, descriptor: 5, serial: 1))
        deadlines.add(Entry(deadline: 9_000_001, descriptor: 6, serial: 2))
        #expect(deadlines.millisecondsUntilNext(at: 0) { _ in true } == 5)
        #expect(deadlines.millisecondsUntilNext(at: 4_999_999) { _ in true } == 1)
        #expect(deadlines.millisecondsUntilNext(at: 6_000_000) { _ in true } == 0)
        // The first connection finished its handshake: its deadline no longer wakes the loop.
        #expect(deadlines.millisecondsUntilNext(at: 0) { $0.descriptor != 5 } == 10)
        #expect(deadlines.due(at: 9_000_001).map(\.descriptor) == [6])
        #expect(deadlines.millisecondsUntilNext(at: 0) { _ in true } == -1)
    }

    @Test("the table is indexed by descriptor, grows past its end, and counts what it holds")
    func table() throws {
        let pki = try TestPKI(name: "front-table")
        defer { pki.remove() }
        let leaf = try pki.issue()
        let context = try OpenSSLServerContext(
            configuration: TLSServerConfiguration(
                certificates: [TLSCertificateSource(chainPath: leaf.pemPath, keyPath: leaf.keyPath)]),
            provider: FixedStapleProvider())
        // A real descriptor for the sessions (nothing is read or written: no handshake is started).
        let descriptor = socket(AF_UNIX, 1 /* SOCK_STREAM */, 0)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        func connection(_ serial: UInt64) throws -> FrontConnection {
            FrontConnection(session: try ServerSocketSession(context: context, socket: descriptor), serial: serial)
        }

        var table = FrontTable()
        #expect(table[3] == nil && table.count == 0 && table.remove(3) == nil)
        #expect(table.update(3) { _ in true } == nil)
        table.insert(try connection(1), at: 3)
        table.insert(try connection(2), at: 200)  // far past the end: the table grows
        #expect(table.count == 2)
        #expect(table[3]?.serial == 1 && table[200]?.serial == 2 && table[4] == nil)
        #expect(table[200]?.phase == .handshaking)
        #expect(table.descriptors == [3, 200])
        // Replacing what a descriptor holds does not count twice.
        table.insert(try connection(3), at: 3)
        #expect(table.count == 2 && table[3]?.serial == 3)
        #expect(table.update(200) { $0.serial } == 2)
        #expect(table.remove(3)?.serial == 3)
        #expect(table.remove(3) == nil)
        #expect(table.count == 1 && table.descriptors == [200])
    }
}
