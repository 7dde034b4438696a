import Foundation
import StapleTestSupport
import Testing

@testable import StapleRun

let nginxAvailable = SystemTools.shouldRun(needing: "nginx")

@Suite("discovery: nginx")
struct DiscoveryNginxTests {
    /// Fixtures/Discovery/nginx with its certificates, keys and staple files written.
    static func tree() throws -> DiscoveryFixtureTree {
        let tree = try DiscoveryFixtureTree("nginx")
        let www = try tree.certificate("certs/www", commonName: "www.example.org")
        try tree.staple(for: www, at: "staples/www.der")
        let rsa = try tree.certificate("certs/api-rsa", commonName: "api.example.org", keyType: .rsa)
        try tree.certificate("certs/api-ecdsa", commonName: "api.example.org", keyType: .p256)
        try tree.staple(for: rsa, at: "staples/api.der")
        let status = try tree.certificate("certs/status", commonName: "status.internal")
        try tree.staple(for: status, at: "staples/status.der")
        try tree.certificate("certs/shop", commonName: "shop.example.org")
        return tree
    }

    @Test func findsTheSitesWithAStapleFileAndNotesTheOthers() throws {
        let tree = try Self.tree()
        let discovery = try ServerDiscovery.nginx(
            configuration: tree.path("nginx.conf"), stateDirectory: "/var/lib/staple")
        let pid = NginxOutputConfiguration.Reload.pidFile(tree.path("nginx.pid"))
        let expected = [
            SiteConfiguration(
                name: "status.conf-2", certificate: tree.path("certs/status.pem"),
                nginx: NginxOutputConfiguration(
                    stapleFile: tree.path("staples/status.der"), reload: pid,
                    confirm: "127.0.0.1:\(tree.port("STATUS"))"),
                origin: tree.path("conf.d/status.conf") + ":2"),
            SiteConfiguration(
                name: "api.example.org", certificate: tree.path("certs/api-rsa.pem"),
                nginx: NginxOutputConfiguration(
                    stapleFile: tree.path("staples/api.der"), reload: pid, confirm: "127.0.0.1:\(tree.port("API"))",
                    serverName: "api.example.org"),
                origin: tree.path("sites-enabled/api.example.org") + ":2"),
            SiteConfiguration(
                name: "www.example.org", certificate: tree.path("certs/www.pem"),
                nginx: NginxOutputConfiguration(
                    stapleFile: tree.path("staples/www.der"), reload: pid, confirm: "127.0.0.1:\(tree.port("WWW"))",
                    serverName: "www.example.org"),
                origin: tree.path("sites-enabled/www.example.org") + ":1"),
        ]
        #expect(discovery.configuration.sites == expected)
        #expect(discovery.configuration.stateDirectory == "/var/lib/staple")
        #expect(discovery.notes.count == 2, "\(discovery.notes)")
        let twoCertificates = try #require(discovery.notes.first)
        #expect(
            twoCertificates.hasPrefix(
                tree.path("sites-enabled/api.example.org") + ":9: server api.example.org has 2 certificates"))
        #expect(twoCertificates.contains("cannot be right for both"))
        #expect(twoCertificates.contains("managed for the first certificate only"))
        #expect(twoCertificates.contains("one server{} per certificate, or `staple serve`"))
        let noFile = try #require(discovery.notes.last)
        #expect(
            noFile.hasPrefix(
                tree.path("sites-enabled/shop.example.org") + ":2: server shop.example.org has `ssl_stapling on` ("
                    + tree.path("conf.d/stapling.conf") + ":2) and no `ssl_stapling_file`"))
        #expect(noFile.contains("add `ssl_stapling_file /var/lib/staple/nginx/shop.example.org.der;`"))
        // What the site model says is what --check-config accepts.
        #expect(
            RunConfigurationValidator.problems(in: discovery.configuration).filter { $0.code != .missingFile }.isEmpty)
    }

    @Test func printConfigLoadsBackAsTheSameConfiguration() throws {
        let tree = try Self.tree()
        let discovery = try ServerDiscovery.nginx(
            configuration: tree.path("nginx.conf"), stateDirectory: tree.path("state"))
        let yaml = RunConfigurationWriter.yaml(discovery.configuration)
        try yaml.write(toFile: tree.path("staple.yaml"), atomically: true, encoding: .utf8)
        let loaded = try RunConfigurationLoader.load(path: tree.path("staple.yaml"))
        #expect(loaded.withoutSource == discovery.configuration.withoutSource, "YAML:\n\(yaml)")
        #expect(loaded.sites.count == 3)
        #expect(
            yaml.contains("  # found at \(tree.path("sites-enabled/www.example.org")):1\n  - name: www.example.org\n"))
    }

    @Test func withoutAPidDirectiveNginxIsReloadedByCommand() throws {
        let tree = try Self.tree()
        let configuration = try String(contentsOfFile: tree.path("nginx.conf"), encoding: .utf8)
        try configuration.replacingOccurrences(of: "pid nginx.pid;\n", with: "")
            .write(toFile: tree.path("nginx.conf"), atomically: true, encoding: .utf8)
        let discovery = try ServerDiscovery.nginx(
            configuration: tree.path("nginx.conf"), stateDirectory: "/var/lib/staple")
        #expect(
            discovery.configuration.sites.map(\.nginx?.reload)
                == Array(repeating: .command("nginx -s reload"), count: 3))
    }

    @Test func anUnreadableConfigurationNamesFileAndLine() throws {
        let tree = try DiscoveryFixtureTree("nginx")
        try "server {\n    listen 443 ssl\n}\n}\n".write(
            toFile: tree.path("sites-enabled/broken"), atomically: true, encoding: .utf8)
        #expect {
            _ = try ServerDiscovery.nginx(configuration: tree.path("nginx.conf"), stateDirectory: "/var/lib/staple")
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.code == .discovery && error.subject?.hasPrefix(tree.path("sites-enabled/broken") + ":") == true
        }
        #expect(throws: ConfigurationError.self) {
            _ = try ServerDiscovery.nginx(configuration: tree.path("absent.conf"), stateDirectory: "/var/lib/staple")
        }
    }

    /// Two server{}s writing one staple file for different certificates, and a stream{} server: one
    /// site, one note; without any staple file, no site and a note saying so.
    @Test func aSharedStapleFileIsManagedOnceAndStreamServersAreSkipped() throws {
        let directory = try TemporaryDirectory.make(prefix: "staple-discovery-shared")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = """
            events {}
            http {
                ssl_stapling_file staples/shared.der;
                server {
                    listen 8443 ssl;
                    server_name a.example.org;
                    ssl_certificate a.pem;
                    ssl_certificate_key a.key;
                }
                server {
                    listen 8444 ssl;
                    server_name b.example.org;
                    ssl_certificate b.pem;
                    ssl_certificate_key b.key;
                }
            }
            stream {
                server {
                    listen 9443 ssl;
                    ssl_certificate c.pem;
                    ssl_certificate_key c.key;
                }
            }

            """
        try configuration.write(toFile: "\(directory)/nginx.conf", atomically: true, encoding: .utf8)
        let discovery = try ServerDiscovery.nginx(
            configuration: "\(directory)/nginx.conf", stateDirectory: "/var/lib/staple")
        #expect(discovery.configuration.sites.map(\.name) == ["a.example.org"])
        #expect(discovery.configuration.sites.first?.nginx?.stapleFile == "\(directory)/staples/shared.der")
        #expect(discovery.configuration.sites.first?.nginx?.reload == .command("nginx -s reload"))
        #expect(discovery.notes.count == 1, "\(discovery.notes)")
        #expect(
            discovery.notes.first?.hasPrefix(
                "\(directory)/nginx.conf:3: server b.example.org uses the staple file \(directory)/staples/shared.der "
                    + "of site `a.example.org`") == true)

        try "events {}\nhttp { server { listen 80; } }\n".write(
            toFile: "\(directory)/nginx.conf", atomically: true, encoding: .utf8)
        let none = try ServerDiscovery.nginx(
            configuration: "\(directory)/nginx.conf", stateDirectory: "/var/lib/staple")
        #expect(none.configuration.sites.isEmpty)
        #expect(
            none.notes == [
                "\(directory)/nginx.conf: no TLS server{} with an `ssl_stapling_file`: nothing for staple run to manage"
            ])
        #expect(RunConfigurationWriter.yaml(none.configuration).hasSuffix("\nsites: []\n"))
    }

    @Test(arguments: [
        (["443", "ssl"], "127.0.0.1:443"), (["*:8443", "ssl"], "127.0.0.1:8443"),
        (["0.0.0.0:443", "ssl"], "127.0.0.1:443"),
        (["[::]:443", "ssl"], "[::1]:443"), (["[2001:db8::1]:8443", "ssl"], "[2001:db8::1]:8443"),
        (["10.0.0.1:443", "ssl", "http2"], "10.0.0.1:443"), (["localhost:8443", "ssl"], "localhost:8443"),
    ])
    func confirmAddresses(listen: [String], address: String) {
        #expect(NginxListen.confirmAddress([["80"], listen])?.description == address)
    }

    @Test func aUnixListenHasNoConfirmAddress() {
        #expect(NginxListen.confirmAddress([["unix:/run/nginx.sock", "ssl"]]) == nil)
    }

    @Test(.enabled(if: nginxAvailable, "needs nginx (apt-get install nginx); under CI=true it fails instead"))
    func theTreeIsOneNginxAccepts() throws {
        let tree = try Self.tree()
        let check = try SystemTools.execute("nginx", ["-t", "-p", tree.root, "-c", tree.path("nginx.conf")])
        #expect(check.status == 0, "\(check)")
        #expect(check.stderr.contains("test is successful"), "\(check)")
    }
}
