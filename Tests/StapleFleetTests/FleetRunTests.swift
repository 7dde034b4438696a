import Foundation
import OCSPCore
import StapleRun
import StapleTestSupport
import StatusHTTP
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `staple run` with `store:` in its YAML: real PostgreSQL 15, two real `staple run` processes with
/// `directory:` outputs, one counting responder.
@Suite(
    "fleet: staple run with store:",
    .enabled(if: PostgreSQLServer.testsEnabled, Comment(rawValue: PostgreSQLServer.missingReason)), .serialized)
struct FleetRunTests {
    /// One `staple run` node: its configuration, output directory, status port and process.
    struct RunNode {
        let name: String
        let out: String
        let statusPort: Int
        let process: ListeningProcess

        var base: String { "http://127.0.0.1:\(statusPort)" }
        var installed: [UInt8]? { FileManager.default.contents(atPath: "\(out)/leaf.der").map(Array.init) }
        var log: String { process.log }

        func status() async throws -> RunStatus {
            try RunStatus.decode(try await StatusClient.get(base + "/status").body)
        }
    }

    /// Starts `staple run` node `name` on the fleet's store, with the password in a file.
    func runNode(_ name: String, fleet: Fleet, passwordFile: String) async throws -> RunNode {
        let out = fleet.pki.path("run-out-\(name)")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let port = try SystemTools.freePort()
        let yaml = """
            state_directory: \(fleet.pki.path("run-state-\(name)"))
            metrics_listen: 127.0.0.1:\(port)
            store: "\(fleet.postgres.url)"
            store_password_file: \(passwordFile)
            sites:
              - name: leaf
                certificate: \(fleet.leaf.pemPath)
                directory: \(out)

            """
        let config = fleet.pki.path("run-\(name).yaml")
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        let process = try await ListeningProcess(
            SystemTools.stapleBinary, ["run", "--config", config, "--log-level", "debug"], port: port,
            logPath: fleet.pki.path("run-\(name).log"), stopSignal: SIGTERM)
        return RunNode(name: name, out: out, statusPort: port, process: process)
    }

    @Test("two staple run nodes, one store: one request per refresh, the second installs the first's write; /status shows the store")
    func twoRunNodes() async throws {
        // 16 minutes of validity: each node refreshes one minute after it installed a staple.
        try await withFleet(name: "fleet-run", validity: 16 * 60) { fleet in
            let secret = "secret-\(UUID().uuidString)"
            let passwordFile = fleet.pki.path("store-password")
            try "\(secret)\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
            async let startedA = runNode("a", fleet: fleet, passwordFile: passwordFile)
            async let startedB = runNode("b", fleet: fleet, passwordFile: passwordFile)
            let nodes = try await [startedA, startedB]
            defer { for node in nodes { node.process.stop() } }

            for node in nodes {
                #expect(
                    await eventually(within: 30) { fleet.verdict(node.installed) == .good },
                    "\(node.name) installs a staple: \(node.log.suffix(2000))")
            }
            #expect(fleet.requests == 1, "two nodes started together asked the responder once")
            let first = try fleet.row()
            for node in nodes {
                #expect(node.installed == first.response, "\(node.name) installed the row's response")
            }

            // /status and `staple status` show the store, listening.
            for node in nodes {
                #expect(
                    await eventually(within: 20) { (try? await node.status().store?.listening) == true },
                    "\(node.name)'s listener connects: \(node.log.suffix(1500))")
                let store = try #require(try await node.status().store)
                #expect(store.url.contains("127.0.0.1:\(fleet.postgres.port)"), "\(store)")
                #expect(store.node.contains(":\(node.process.pid):"), "\(store)")
                let table = try SystemTools.execute(SystemTools.stapleBinary, ["status", "--url", node.base])
                #expect(table.stdout.contains("store postgresql://staple@127.0.0.1:\(fleet.postgres.port)/"), "\(table)")
                #expect(table.stdout.contains("listening"), "\(table)")
            }

            // The refresh a minute later: one node fetches, the other installs its write.
            #expect(await eventually(within: 150) { fleet.requests >= 2 }, "the refresh came")
            for node in nodes {
                #expect(
                    await eventually(within: 20) {
                        let row = try? fleet.row()
                        return row?.version != first.version && node.installed == row?.response
                    }, "\(node.name) installs the refreshed response: \(node.log.suffix(2000))")
            }
            let refreshAnswers = fleet.answers.dropFirst()
            let refreshStarted = try #require(refreshAnswers.first).at
            #expect(
                refreshAnswers.filter { $0.at < refreshStarted + 30 }.count == 1,
                "one request for the refresh, not two: \(fleet.answers.map(\.at))")
            let second = try fleet.row()
            let readers = nodes.filter { !second.writtenBy.contains(":\($0.process.pid):") }
            #expect(readers.count == 1, "one node wrote, the other read: \(second.writtenBy)")
            for reader in readers {
                let ages = reader.log.split(separator: "\n").filter { $0.contains("Staple from the store") }.compactMap {
                    line -> Double? in
                    guard let range = line.range(of: "store.age_seconds=") else { return nil }
                    return Double(line[range.upperBound...].prefix { $0.isNumber || $0 == "." })
                }
                let last = try #require(ages.last, "\(reader.log.suffix(1500))")
                #expect(last < 1.0, "installed \(last) s after the write")
                let metrics = String(decoding: try await StatusClient.get(reader.base + "/metrics").body, as: UTF8.self)
                #expect(
                    metrics.split(separator: "\n").contains { $0.hasPrefix("staple_fleet_from_store_total ") && !$0.hasSuffix(" 0") },
                    "the reader counts staples from the store: \(metrics.split(separator: "\n").filter { $0.contains("fleet") })")
            }
            for node in nodes {
                #expect(!node.log.contains(secret), "the password is never logged")
                #expect(node.process.stop() == 0, "\(node.log.suffix(1500))")
            }
        }
    }
}
