import Foundation
import Logging
import StapleFleet
import StapleTestSupport
import Testing

/// TLS to PostgreSQL per `sslmode`: a private PostgreSQL 15 with `ssl=on` and a server certificate
/// from the test CA for the name `localhost`.
@Suite(
    "fleet: TLS to PostgreSQL",
    .enabled(if: PostgreSQLServer.testsEnabled, Comment(rawValue: PostgreSQLServer.missingReason)), .serialized)
struct FleetTLSTests {
    /// Connects a node to `url` in process and migrates; returns whether its connection used TLS.
    func connect(_ url: String, server: PostgreSQLServer) async throws -> String {
        let name = "tls-\(UUID().uuidString.prefix(8))"
        let node = try FleetNode(
            configuration: FleetConfiguration(url: try StoreURL(url), password: nil, nodeName: name),
            logger: Logger(label: "test"))
        #expect(try await node.prepare(), "the schema is ready over \(url)")
        let tls = try server.tlsInUse(applicationName: "staple queries \(name)")
        await node.connection.close()
        return tls
    }

    @Test("sslmode=require and verify-full with the CA connect over TLS; verify-ca ignores the name")
    func trustedConnections() async throws {
        let pki = try TestPKI(name: "fleet-tls-ok")
        defer { pki.remove() }
        let server = try PostgreSQLServer(tls: try .issued(by: pki, for: "localhost"))
        defer { server.remove() }
        #expect(try await connect(server.url(host: "127.0.0.1", parameters: "sslmode=require"), server: server) == "true")
        #expect(
            try await connect(
                server.url(host: "localhost", parameters: "sslmode=verify-full&sslrootcert=\(pki.caPath)"), server: server)
                == "true")
        #expect(
            try await connect(
                server.url(host: "127.0.0.1", parameters: "sslmode=verify-ca&sslrootcert=\(pki.caPath)"), server: server)
                == "true")
        // The oracle can tell: without TLS the same query says false.
        #expect(try await connect(server.url(host: "127.0.0.1", parameters: "sslmode=disable"), server: server) == "false")
    }

    @Test("verify-full with another CA or another host name: staple serve --store exits 3 naming the host")
    func untrustedServerExitsThree() async throws {
        let pki = try TestPKI(name: "fleet-tls-bad")
        defer { pki.remove() }
        let other = try TestPKI(name: "fleet-tls-other-ca")
        defer { other.remove() }
        let server = try PostgreSQLServer(tls: try .issued(by: pki, for: "localhost"))
        defer { server.remove() }
        let leaf = try pki.issue(fileName: "site")
        let closed = try ClosedPort()
        let cases: [(what: String, url: String, host: String)] = [
            ("another CA", server.url(host: "localhost", parameters: "sslmode=verify-full&sslrootcert=\(other.caPath)"),
             "localhost"),
            ("another host name", server.url(host: "127.0.0.1", parameters: "sslmode=verify-full&sslrootcert=\(pki.caPath)"),
             "127.0.0.1"),
        ]
        for (what, url, host) in cases {
            // `timeout` only keeps a regression from hanging the suite; the expectation is the status.
            let serve = try SystemTools.execute(
                "timeout",
                [
                    "120", SystemTools.stapleBinary, "serve", "--listen", "127.0.0.1:\(try SystemTools.freePort())",
                    "--cert", leaf.pemPath, "--key", leaf.keyPath, "--backend", "127.0.0.1:\(closed.port)",
                    "--startup-wait", "0", "--store", url,
                ])
            #expect(serve.status == 3, "\(what): \(serve)")
            #expect(serve.stderr.contains("\(host):\(server.port)"), "\(what): names the host: \(serve.stderr)")
            #expect(serve.stderr.contains("not trusted"), "\(what): \(serve.stderr)")
            #expect(serve.stderr.contains("sslmode=verify-full"), "\(what): \(serve.stderr)")
        }
        // The same refusal in process is `untrusted`, not an outage.
        let node = try FleetNode(
            configuration: FleetConfiguration(url: try StoreURL(cases[0].url), password: nil),
            logger: Logger(label: "test"))
        await #expect(throws: FleetError(.untrusted, "")) { try await node.prepare() }
        await node.connection.close()
        // And a store merely down is not: prepare() logs it and reports it not ready.
        server.remove()
        let down = try FleetNode(
            configuration: FleetConfiguration(url: try StoreURL(cases[1].url), password: nil),
            logger: Logger(label: "test"))
        #expect(try await down.prepare() == false)
        await down.connection.close()
    }
}
