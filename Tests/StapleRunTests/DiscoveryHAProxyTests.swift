import Foundation
import StapleTestSupport
import Testing

@testable import StapleRun

let haproxyAvailable = SystemTools.shouldRun(needing: "haproxy", "socat")

@Suite("discovery: HAProxy")
struct DiscoveryHAProxyTests {
    /// Fixtures/Discovery/haproxy with its certificates written: combined PEMs (leaf, CA, key), and
    /// `shop-b.pem` without the CA but with `shop-b.pem.issuer`.
    static func tree() throws -> DiscoveryFixtureTree {
        let tree = try DiscoveryFixtureTree("haproxy")
        try FileManager.default.createDirectory(atPath: tree.path("certs/extra"), withIntermediateDirectories: true)
        try tree.certificate("certs/www", commonName: "www.example.org", combined: true)
        try tree.certificate("certs/shop-a", commonName: "shop-a.example.org", combined: true)
        try tree.certificate("certs/shop-b", commonName: "shop-b.example.org", chain: false, combined: true)
        try tree.pki.chainPEM.write(toFile: tree.path("certs/shop-b.pem.issuer"), atomically: true, encoding: .utf8)
        try tree.certificate("certs/extra/www", commonName: "www.example.net", combined: true)
        return tree
    }

    @Test func findsEveryCrtWithTheAdminSocket() throws {
        let tree = try Self.tree()
        let discovery = try ServerDiscovery.haproxy(
            configuration: tree.path("haproxy.cfg"), stateDirectory: "/var/lib/staple")
        let socket = HAProxyOutputConfiguration.Socket.unix(path: tree.path("admin.sock"))
        func site(_ name: String, _ crt: String, issuer: String? = nil, origin: String) -> SiteConfiguration {
            SiteConfiguration(
                name: name, certificate: tree.path(crt), issuer: issuer.map(tree.path),
                haproxy: HAProxyOutputConfiguration(crt: tree.path(crt), socket: socket), origin: origin)
        }
        let expected = [
            site("www", "certs/www.pem", origin: tree.path("haproxy.cfg") + ":20"),
            site("shop-a", "certs/shop-a.pem", origin: tree.path("crt-list.txt") + ":2"),
            site(
                "shop-b", "certs/shop-b.pem", issuer: "certs/shop-b.pem.issuer",
                origin: tree.path("crt-list.txt") + ":3"),
            site("www-2", "certs/extra/www.pem", origin: tree.path("haproxy.cfg") + ":30"),
        ]
        #expect(discovery.configuration.sites == expected)
        #expect(discovery.notes.isEmpty, "\(discovery.notes)")
        #expect(RunConfigurationValidator.problems(in: discovery.configuration).isEmpty)
    }

    @Test func printConfigLoadsBackAsTheSameConfiguration() throws {
        let tree = try Self.tree()
        let discovery = try ServerDiscovery.haproxy(
            configuration: tree.path("haproxy.cfg"), stateDirectory: tree.path("state"))
        let yaml = RunConfigurationWriter.yaml(discovery.configuration)
        try yaml.write(toFile: tree.path("staple.yaml"), atomically: true, encoding: .utf8)
        let loaded = try RunConfigurationLoader.load(path: tree.path("staple.yaml"))
        #expect(loaded.withoutSource == discovery.configuration.withoutSource, "YAML:\n\(yaml)")
        #expect(loaded.sites.count == 4)
    }

    @Test func withoutAnAdminSocketTheOperatorOneIsUsedWithANote() throws {
        let tree = try Self.tree()
        let configuration = try String(contentsOfFile: tree.path("haproxy.cfg"), encoding: .utf8)
        try configuration.replacingOccurrences(
            of: "    stats socket \(tree.root)/admin.sock mode 600 level admin expose-fd listeners\n", with: ""
        )
        .write(toFile: tree.path("haproxy.cfg"), atomically: true, encoding: .utf8)
        let discovery = try ServerDiscovery.haproxy(
            configuration: tree.path("haproxy.cfg"), stateDirectory: "/var/lib/staple")
        #expect(discovery.configuration.sites.count == 4)
        #expect(
            discovery.configuration.sites.allSatisfy {
                $0.haproxy?.socket == .tcp(host: "127.0.0.1", port: tree.port("STATS"))
            })
        #expect(discovery.notes.count == 1, "\(discovery.notes)")
        #expect(
            discovery.notes.first?.hasPrefix(
                tree.path("haproxy.cfg")
                    + ":7: `stats socket ipv4@127.0.0.1:\(tree.port("STATS"))` is at level operator, not admin")
                == true)
    }

    @Test func withoutAnyStatsSocketOnlyTheFileIsWritten() throws {
        let tree = try Self.tree()
        let configuration = try String(contentsOfFile: tree.path("haproxy.cfg"), encoding: .utf8)
        try configuration.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("stats socket") }.joined(separator: "\n")
            .write(toFile: tree.path("haproxy.cfg"), atomically: true, encoding: .utf8)
        let discovery = try ServerDiscovery.haproxy(
            configuration: tree.path("haproxy.cfg"), stateDirectory: "/var/lib/staple")
        #expect(discovery.configuration.sites.count == 4)
        #expect(discovery.configuration.sites.allSatisfy { $0.haproxy?.socket == nil })
        #expect(
            discovery.notes == [
                "no `stats socket` in `global`: staple run only writes `<crt>.ocsp`, which HAProxy reads at its next start; "
                    + "add `stats socket /run/haproxy/admin.sock mode 600 level admin` to push responses without a restart"
            ])
    }

    @Test(arguments: [
        ("/run/haproxy/admin.sock", "unix /run/haproxy/admin.sock"), ("unix@/run/h.sock", "unix /run/h.sock"),
        ("unix@admin.sock", "unix /etc/haproxy/admin.sock"), ("admin.sock", "unusable"),
        ("ipv4@127.0.0.1:9999", "tcp 127.0.0.1:9999"),
        ("ipv4@*:9999", "tcp 127.0.0.1:9999"), ("127.0.0.1:9999", "tcp 127.0.0.1:9999"),
        (":9999", "tcp 127.0.0.1:9999"),
        ("ipv6@[::]:9999", "tcp ::1:9999"), ("abns@haproxy", "unusable"), ("ipv4@127.0.0.1", "unusable"),
        ("/" + String(repeating: "s", count: 97), "unusable"),
    ])
    func statsSocketAddresses(written: String, meaning: String) {
        let read: String =
            switch HAProxyStatsSocket.read(written, configDirectory: "/etc/haproxy") {
            case .usable(.unix(let path)): "unix \(path)"
            case .usable(.tcp(let host, let port)): "tcp \(host):\(port)"
            case .unusable: "unusable"
            }
        #expect(read == meaning)
    }

    @Test(
        .enabled(
            if: haproxyAvailable,
            "needs haproxy and socat (apt-get install haproxy socat); under CI=true it fails instead"))
    func theTreeIsOneHAProxyAccepts() throws {
        let tree = try Self.tree()
        let check = try SystemTools.execute("haproxy", ["-c", "-f", tree.path("haproxy.cfg")], in: tree.root)
        #expect(check.status == 0, "\(check)")
        #expect(check.combined.contains("Configuration file is valid"), "\(check)")
    }

    /// Why a socket below admin is used: HAProxy 2.6 takes `set ssl ocsp-response` at levels user and
    /// operator (and on a socket without `level`), over Unix and TCP sockets alike.
    @Test(
        .enabled(
            if: haproxyAvailable,
            "needs haproxy and socat (apt-get install haproxy socat); under CI=true it fails instead"))
    func haproxyTakesAResponseBelowAdmin() async throws {
        let tree = try DiscoveryFixtureTree("haproxy")
        let leaf = try tree.certificate("certs/www", commonName: "www.example.org", combined: true)
        try tree.staple(for: leaf, at: "certs/www.pem.ocsp")
        let port = try SystemTools.freePort()
        let statsPort = try SystemTools.freePort()
        let configuration = """
            global
                stats socket unix@\(tree.path("user.sock")) level user
                stats socket ipv4@127.0.0.1:\(statsPort) level operator
                stats socket unix@\(tree.path("default.sock"))
            defaults
                mode http
                timeout connect 5s
                timeout client 5s
                timeout server 5s
            frontend www
                bind 127.0.0.1:\(port) ssl crt \(tree.path("certs/www.pem"))
                http-request return status 200

            """
        try configuration.write(toFile: tree.path("levels.cfg"), atomically: true, encoding: .utf8)
        let haproxy = try await ListeningProcess(
            "haproxy", ["-db", "-f", tree.path("levels.cfg")], port: port, logPath: tree.path("haproxy.log"))
        defer { haproxy.stop() }
        let response = try tree.pki.signedResponse(for: leaf.certificate, thisUpdate: Date() - 30)
        let command = "set ssl ocsp-response \(Data(response).base64EncodedString())"
        for address in [
            "unix-connect:\(tree.path("user.sock"))", "tcp:127.0.0.1:\(statsPort)",
            "unix-connect:\(tree.path("default.sock"))",
        ] {
            let reply = try SystemTools.execute("/bin/sh", ["-c", "echo '\(command)' | socat -t 5 stdio \(address)"])
            #expect(reply.stdout.contains("OCSP Response updated!"), "\(address): \(reply)\n\(haproxy.log)")
        }
        let discovery = try ServerDiscovery.haproxy(
            configuration: tree.path("levels.cfg"), stateDirectory: "/var/lib/staple")
        #expect(discovery.configuration.sites.first?.haproxy?.socket == .unix(path: tree.path("user.sock")))
        #expect(discovery.notes.count == 1)
        #expect(discovery.notes.first?.contains("is at level user, not admin") == true)
    }
}
