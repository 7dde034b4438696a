import Foundation
import OCSPCore
import StapleTestSupport
import NIOConcurrencyHelpers
import TLSStapling
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// A fleet on loopback: a private PostgreSQL, an echo backend, a counting responder (the scriptable
/// test HTTP server signing with the test CA), and `staple serve --store` processes.
final class Fleet: Sendable {
    let pki: TestPKI
    let postgres: PostgreSQLServer
    let echo: EchoServer
    let responder: TestHTTPServer
    let leaf: TestPKI.Leaf
    private let answered = NIOLockedValueBox<[(at: Date, bytes: [UInt8])]>([])
    private let started = NIOLockedValueBox<[ServeProcess]>([])

    /// - Parameter script: what the responder does with request number n (1-based); a fresh response otherwise.
    /// - Parameter validity: nextUpdate − thisUpdate of each answer. 16 minutes makes nodes refresh one
    ///   minute after each install (the policy's floor, since half-life and end − 15 min have passed).
    /// - Parameter responderClockShift: seconds the responder's clock is ahead (its thisUpdate moves).
    init(
        name: String, validity: TimeInterval = 86_400, script: [Int: TestHTTPAction] = [:],
        responderClockShift: TimeInterval = 0
    ) async throws {
        let pki = try TestPKI(name: name)
        self.pki = pki
        postgres = try PostgreSQLServer()
        echo = try await EchoServer()
        let answered = self.answered
        let leafBox = NIOLockedValueBox<Certificate?>(nil)
        let counter = NIOLockedValueBox(0)
        responder = try await TestHTTPServer { _ in
            let number = counter.withLockedValue {
                $0 += 1
                return $0
            }
            if let action = script[number] { return action }
            let signedAt = Date() + responderClockShift - 5
            guard let certificate = leafBox.withLockedValue({ $0 }),
                let bytes = try? pki.signedResponse(
                    for: certificate, thisUpdate: signedAt, nextUpdate: signedAt + validity)
            else { return .respond(status: 500, headers: [], body: []) }
            answered.withLockedValue { $0.append((Date(), bytes)) }
            return .ocsp(bytes)
        }
        leaf = try pki.issue(ocspURLs: [responder.url()])
        leafBox.withLockedValue { $0 = leaf.certificate }
    }

    /// Requests received by the responder so far.
    var requests: Int { responder.requests.count }
    /// The responses it answered, in order.
    var answers: [(at: Date, bytes: [UInt8])] { answered.withLockedValue { $0 } }

    /// Starts `staple serve` node `name` with its own state directory, sharing the store.
    /// Starts node `name`; `clockShift` seconds moves its wall clock (``ShiftedClock``).
    func node(_ name: String, extra: [String] = [], clockShift: Int = 0) async throws -> ServeProcess {
        let node = try await ServeProcess(
            [
                "--cert", leaf.pemPath, "--key", leaf.keyPath, "--backend", "127.0.0.1:\(echo.port)",
                "--state-dir", "\(pki.directory)/state-\(name)", "--store", postgres.url,
            ] + extra,
            directory: pki.directory, environment: clockShift == 0 ? [:] : ShiftedClock.environment(shiftedBy: clockShift))
        started.withLockedValue { $0.append(node) }
        return node
    }

    /// The staple a node sends to a client now (nil: none).
    func staple(of node: ServeProcess) async -> [UInt8]? {
        (try? await TLSTestClient.connect(port: node.port))?.handshake?.stapledResponse
    }

    /// A node's store and refresh decisions, from its log: what to read when a count is off.
    func story(of node: ServeProcess) -> String {
        let marks = ["Lease", "Fetching", "written", "from the store", "Refresh", "refresh", "claim"]
        let lines = node.log.split(separator: "\n").filter { line in marks.contains { line.contains($0) } }
        return "node \(node.pid):\n" + lines.suffix(40).joined(separator: "\n")
    }

    /// Our own verdict on a staple for the leaf.
    func verdict(_ staple: [UInt8]?) -> OCSPVerdict? {
        staple.map { OCSPVerifier().verify(response: $0, certificate: leaf.certificate, issuer: pki.ca, now: Date()).verdict }
    }

    struct Row {
        var response: [UInt8] = []
        var version: Int64 = 0
        var writtenBy = ""
        var leaseOwner = ""
        var leaseExpires: Date?
    }

    /// The row of the leaf as the database holds it.
    func row() throws -> Row {
        let key = rowKey(of: leaf.der)
        let line = try postgres.psql(
            """
            SELECT encode(coalesce(response, ''), 'hex'), version, coalesce(written_by, ''), coalesce(lease_owner, ''),
            coalesce(extract(epoch from lease_expires)::text, '') FROM staples WHERE key = '\(key)'
            """)
        let parts = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5 else { return Row() }
        return Row(
            response: Hex.bytes(parts[0]), version: Int64(parts[1]) ?? 0, writtenBy: parts[2], leaseOwner: parts[3],
            leaseExpires: Double(parts[4]).map { Date(timeIntervalSince1970: $0) })
    }

    /// Writes `bytes` into the leaf's row as a tamperer (or another writer) would, with a new version
    /// and a notification, in one transaction; `before` runs first inside it (e.g. to cut a node off).
    func overwriteRow(with bytes: [UInt8], before: String = "") throws -> Int64 {
        let key = rowKey(of: leaf.der)
        let output = try postgres.psql(
            """
            BEGIN;
            \(before)
            UPDATE staples SET response = '\\x\(Hex.string(bytes))'::bytea, this_update = clock_timestamp(),
                refresh_at = clock_timestamp() + interval '1 hour', version = nextval('staple_versions'),
                written_at = clock_timestamp(), written_by = 'test' WHERE key = '\(key)';
            SELECT pg_notify('staple_updates', key || ' ' || version) FROM staples WHERE key = '\(key)';
            COMMIT;
            """)
        _ = output
        return try row().version
    }

    /// Stops every node, the responder, the backend and PostgreSQL, and removes their files.
    func stop() async {
        for node in started.withLockedValue({ $0 }) { node.stop() }
        await responder.stop()
        await echo.stop()
        postgres.remove()
        // STAPLE_KEEP=1 keeps the nodes' logs for a post-mortem.
        if ProcessInfo.processInfo.environment["STAPLE_KEEP"] == nil { pki.remove() }
    }
}

/// Runs `body` with a fleet and stops everything afterwards, whatever happens.
func withFleet(
    name: String, validity: TimeInterval = 86_400, script: [Int: TestHTTPAction] = [:],
    responderClockShift: TimeInterval = 0, _ body: (Fleet) async throws -> Void
) async throws {
    let fleet = try await Fleet(
        name: name, validity: validity, script: script, responderClockShift: responderClockShift)
    do {
        try await body(fleet)
    } catch {
        await fleet.stop()
        throw error
    }
    await fleet.stop()
}

enum Hex {
    static func string(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count - 1, by: 2).compactMap {
            UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)
        }
    }
}

/// The key of a certificate's DER, as the store names rows.
func rowKey(of der: [UInt8]) -> String { Hex.string(OCSPHashAlgorithm.sha256.digest(der)) }

/// Occurrences of `text` in `log`.
func occurrences(of text: String, in log: String) -> Int { log.components(separatedBy: text).count - 1 }
