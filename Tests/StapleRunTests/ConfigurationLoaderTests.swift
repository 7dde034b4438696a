import Foundation
import StapleTestSupport
import Testing

@testable import StapleRun

/// The repository root, for `packaging/staple.yaml`.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

@Suite("run configuration: loading")
struct ConfigurationLoaderTests {
    @Test func theIssuesExampleLoads() throws {
        let yaml = """
            state_directory: /var/lib/staple
            metrics_listen: 127.0.0.1:9180          # optional: /metrics, /healthz, /status
            sites:
              - name: www
                certificate: /etc/letsencrypt/live/www/fullchain.pem   # leaf first, then its issuer
                issuer: /path/to/issuer.pem         # optional, when the chain lacks it
                responder: http://ocsp.example/     # optional, overrides the certificate's OCSP URL
                nginx:
                  staple_file: /etc/nginx/staples/www.der
                  reload: nginx -s reload           # a command; or `pid_file: /run/nginx.pid` (SIGHUP)
                haproxy:
                  crt: /etc/haproxy/certs/www.pem   # writes /etc/haproxy/certs/www.pem.ocsp
                  socket: /run/haproxy/admin.sock   # optional; or tcp:127.0.0.1:9999
                directory: /var/lib/staple/out      # optional: writes <name>.der for anything else
            """
        let configuration = try RunConfigurationLoader.parse(yaml: yaml, path: "/etc/staple/staple.yaml")
        let expected = RunConfiguration(
            stateDirectory: "/var/lib/staple", metricsListen: "127.0.0.1:9180",
            sites: [
                SiteConfiguration(
                    name: "www", certificate: "/etc/letsencrypt/live/www/fullchain.pem", issuer: "/path/to/issuer.pem",
                    responder: "http://ocsp.example/",
                    nginx: NginxOutputConfiguration(
                        stapleFile: "/etc/nginx/staples/www.der", reload: .command("nginx -s reload")),
                    haproxy: HAProxyOutputConfiguration(
                        crt: "/etc/haproxy/certs/www.pem", socket: .unix(path: "/run/haproxy/admin.sock")),
                    directory: "/var/lib/staple/out", line: 4)
            ], path: "/etc/staple/staple.yaml")
        #expect(configuration == expected)
        #expect(configuration.certificatePollInterval == 10)
        #expect(configuration.location(of: configuration.sites[0]) == "/etc/staple/staple.yaml:4")
    }

    @Test func thePackagedSampleLoads() throws {
        let path = repositoryRoot + "/packaging/staple.yaml"
        let configuration = try RunConfigurationLoader.load(path: path)
        #expect(configuration.path == path)
        #expect(configuration.stateDirectory == "/var/lib/staple")
        #expect(configuration.metricsListen == "127.0.0.1:9180")
        #expect(configuration.sites.map(\.name) == ["www", "shop", "mail"])
        let www = configuration.sites[0]
        #expect(www.refreshMargin == TimeInterval(43_200))
        #expect(www.timeout == 15)
        #expect(
            www.nginx
                == NginxOutputConfiguration(
                    stapleFile: "/etc/nginx/staples/www.der", reload: .pidFile("/run/nginx.pid"),
                    confirm: "127.0.0.1:443",
                    serverName: "www.example.org", includeFile: "/etc/nginx/staples/www.conf"))
        #expect(configuration.sites[1].haproxy?.socket == .unix(path: "/run/haproxy/admin.sock"))
        #expect(configuration.sites[1].issuer == "/etc/haproxy/certs/issuer.pem")
        #expect(configuration.sites[2].responder == "http://ocsp.example.net/")
        #expect(configuration.sites[2].directory == "/var/lib/staple/out")
    }

    @Test func relativePathsAreTakenFromTheFilesDirectory() throws {
        let yaml = """
            state_directory: state
            store: postgresql://staple@127.0.0.1:5432/staple
            store_password_file: secrets/pgpass
            certificate_poll_interval: 2m
            sites:
              - name: a
                certificate: certs/a.pem
                issuer: ../ca/issuer.pem
                nginx: {staple_file: ./staples/a.der, pid_file: run/nginx.pid}
                haproxy: {crt: /abs/a.pem, socket: tcp:127.0.0.1:9999}
              - name: b
                certificate: b.pem
                haproxy: {crt: b.pem, socket: "tcp:[::1]:9999"}
            """
        let configuration = try RunConfigurationLoader.parse(yaml: yaml, path: "/etc/staple/conf/staple.yaml")
        #expect(configuration.stateDirectory == "/etc/staple/conf/state")
        #expect(configuration.store == "postgresql://staple@127.0.0.1:5432/staple")
        #expect(configuration.storePasswordFile == "/etc/staple/conf/secrets/pgpass")
        #expect(configuration.certificatePollInterval == 120)
        let a = configuration.sites[0]
        #expect(a.certificate == "/etc/staple/conf/certs/a.pem")
        #expect(a.issuer == "/etc/staple/ca/issuer.pem")
        #expect(a.nginx?.stapleFile == "/etc/staple/conf/staples/a.der")
        #expect(a.nginx?.reload == .pidFile("/etc/staple/conf/run/nginx.pid"))
        #expect(a.haproxy == HAProxyOutputConfiguration(crt: "/abs/a.pem", socket: .tcp(host: "127.0.0.1", port: 9999)))
        #expect(configuration.sites[1].haproxy?.socket == .tcp(host: "::1", port: 9999))
        #expect(configuration.sites[1].line == 11)
    }

    @Test(arguments: [
        ("90", 90.0), ("1.5", 1.5), ("30s", 30), ("15m", 900), ("2h", 7200), ("1d", 86_400), ("0.5h", 1800),
    ])
    func durations(text: String, seconds: Double) throws {
        let yaml = """
            state_directory: /s
            sites:
              - {name: a, certificate: /a.pem, directory: /out, refresh_margin: \(text), timeout: "\(text)"}
            """
        let site = try RunConfigurationLoader.parse(yaml: yaml, path: "/c.yaml").sites[0]
        #expect(site.refreshMargin == seconds)
        #expect(site.timeout == seconds)
    }

    /// A configuration that must be refused: the code, the line the subject names, words of the reason.
    struct Refusal: CustomTestStringConvertible, Sendable {
        var yaml: String
        var code: ConfigurationErrorCode
        var line: Int?
        var words: [String]
        var testDescription: String {
            "\(code) at line \(line.map(String.init) ?? "-"): \(words.joined(separator: " | "))"
        }
    }

    static let site = "  - name: www\n    certificate: /c.pem\n"

    static let refusals: [Refusal] = [
        Refusal(yaml: "", code: .syntax, line: nil, words: ["empty configuration"]),
        Refusal(yaml: "# only a comment\n", code: .syntax, line: nil, words: ["empty configuration"]),
        Refusal(
            yaml: "- a\n- b\n", code: .syntax, line: 1, words: ["the configuration must be a mapping", "not a list"]),
        Refusal(yaml: "just words\n", code: .syntax, line: 1, words: ["must be a mapping", "`just words`"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n  - name: a\n   certificate: x\n", code: .syntax, line: 4,
            words: ["YAML syntax"]),
        Refusal(yaml: "state_directory: [unclosed\n", code: .syntax, line: 2, words: ["YAML syntax"]),
        Refusal(
            yaml: "state_directory: /s\nstate_directory: /t\nsites: []\n", code: .syntax, line: 1,
            words: ["`state_directory` is written twice"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site + "    nginx:\n      staple_fil: /x.der\n      reload: r\n",
            code: .unknownKey, line: 6,
            words: ["unknown key `staple_fil`; did you mean `staple_file`? (in `nginx` of site `www`)"]),
        Refusal(
            yaml: "state_dir: /s\nsites: []\n", code: .unknownKey, line: 1,
            words: ["unknown key `state_dir`; known keys: state_directory", "(in the configuration)"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site + "    certficate: /d.pem\n", code: .unknownKey, line: 5,
            words: ["did you mean `certificate`?"]),
        Refusal(
            yaml: "sites:\n" + site + "    directory: /o\n", code: .missingKey, line: 1, words: ["`state_directory`"]),
        Refusal(yaml: "state_directory: /s\n", code: .missingKey, line: 1, words: ["lacks `sites`"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n  - certificate: /c.pem\n    directory: /o\n", code: .missingKey,
            line: 3,
            words: ["site 1 of `sites` lacks `name`"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n  - name: www\n    directory: /o\n", code: .missingKey, line: 3,
            words: ["site `www` lacks `certificate`"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n  - name: www\n    certificate:\n    directory: /o\n",
            code: .missingKey,
            line: 4, words: ["`certificate` of site `www` has no value"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site + "    nginx:\n      reload: nginx -s reload\n",
            code: .missingKey,
            line: 5, words: ["lacks `staple_file`"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site + "    nginx:\n      staple_file: /x.der\n", code: .missingKey,
            line: 5, words: ["needs `reload: <command>` or `pid_file: <path>`"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site
                + "    nginx:\n      staple_file: /x.der\n      reload: r\n      pid_file: /p\n",
            code: .invalidValue, line: 8, words: ["both `reload` and `pid_file`"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site + "    haproxy:\n      socket: /s.sock\n", code: .missingKey,
            line: 5, words: ["lacks `crt`"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site, code: .noOutput, line: 3, words: ["site `www` has no output"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site + "    directory: /o\n" + site + "    directory: /p\n",
            code: .duplicateSite, line: 6, words: ["a second site named `www` (the first is at line 3)"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site + "    nginx: {staple_file: /x.der, reload: r}\n"
                + "  - name: api\n    certificate: /d.pem\n    nginx: {staple_file: /x.der, reload: r}\n",
            code: .invalidValue, line: 6,
            words: ["site `api` has the same `staple_file` as site `www` (line 3), /x.der"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site + "    haproxy: {crt: /c.pem}\n"
                + "  - name: api\n    certificate: /d.pem\n    haproxy: {crt: ../../c.pem}\n",
            code: .invalidValue, line: 6, words: ["the same `crt` as site `www`"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site + "    haproxy:\n      crt: /c.pem\n      socket: /"
                + String(repeating: "d", count: 97) + "\n",
            code: .invalidValue, line: 7, words: ["98 bytes", "HAProxy binds at most 97", "tcp:127.0.0.1:9999"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site
                + "    haproxy:\n      crt: /c.pem\n      socket: ipv4@127.0.0.1:9999\n",
            code: .invalidValue, line: 7, words: ["HAProxy's syntax"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site
                + "    haproxy:\n      crt: /c.pem\n      socket: tcp:localhost\n",
            code: .invalidValue, line: 7, words: ["tcp:HOST:PORT"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n  name: www\n  certificate: /c.pem\n", code: .syntax, line: 3,
            words: ["`sites` must be a list", "not a mapping"]),
        Refusal(yaml: "state_directory: /s\nsites: []\n", code: .invalidValue, line: 2, words: ["`sites` is empty"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n  - [www, /c.pem]\n", code: .syntax, line: 3,
            words: ["site 1 of `sites` must be a mapping", "not a list"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site + "    nginx: [a, b]\n", code: .syntax, line: 5,
            words: ["`nginx` of site `www` must be a mapping"]),
        Refusal(
            yaml: "state_directory: [/a, /b]\nsites:\n" + site + "    directory: /o\n", code: .invalidValue, line: 1,
            words: ["`state_directory` of the configuration must be a directory path, not a list"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site + "    directory: /o\n    timeout: soon\n",
            code: .invalidValue,
            line: 6, words: ["`timeout` of site `www` is `soon`"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site + "    directory: /o\n    refresh_margin: -5m\n",
            code: .invalidValue, line: 6, words: ["`refresh_margin`"]),
        Refusal(
            yaml: "state_directory: /s\nmetrics_listen: 9180\nsites:\n" + site + "    directory: /o\n",
            code: .invalidValue, line: 2, words: ["HOST:PORT"]),
        Refusal(
            yaml: "state_directory: /s\nstore: mysql://x\nsites:\n" + site + "    directory: /o\n", code: .invalidValue,
            line: 2, words: ["postgresql://"]),
        Refusal(
            yaml: "state_directory: /s\nstore_password_file: /p\nsites:\n" + site + "    directory: /o\n",
            code: .invalidValue, line: 2, words: ["`store_password_file`", "no `store:`"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n  - name: ../www\n    certificate: /c.pem\n    directory: /o\n",
            code: .invalidValue, line: 3, words: ["site name `../www`"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site + "    directory: /o\n    responder: ocsp.example\n",
            code: .invalidValue, line: 6, words: ["http://"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site + "    directory: /o\n    nginx:\n      staple_file: /x\n"
                + "      reload: r\n      confirm: localhost\n",
            code: .invalidValue, line: 9, words: ["`confirm` of site `www`"]),
        Refusal(
            yaml: "state_directory: /s\nsites:\n" + site + "    directory: /o\n    [a]: b\n", code: .syntax, line: 6,
            words: ["a key of site `www` is a list"]),
    ]

    @Test(arguments: refusals)
    func refused(_ refusal: Refusal) {
        let path = "/etc/staple/bad.yaml"
        #expect {
            _ = try RunConfigurationLoader.parse(yaml: refusal.yaml, path: path)
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            let subject = refusal.line.map { "\(path):\($0)" } ?? path
            let ok =
                error.code == refusal.code && error.subject == subject
                && refusal.words.allSatisfy { error.reason.contains($0) }
            if !ok { print("got: \(error.description)") }
            return ok
        }
    }

    /// Eight levels of ten aliases used as a key: Yams alone takes 106 s to hash it (measured); refused at once.
    @Test func aliasesAreRefusedBeforeYamsExpandsThem() {
        var bomb = "state_directory: /s\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1..<8 {
            bomb +=
                "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ")
                + "]\n"
        }
        bomb += "? *l7\n: 1\n"
        #expect {
            _ = try RunConfigurationLoader.parse(yaml: bomb, path: "/bomb.yaml")
        } throws: { error in
            (error as? ConfigurationError)?.subject == "/bomb.yaml:3"
                && (error as? ConfigurationError)?.reason.contains("aliases (`*name`) are not supported") == true
        }
        #expect(YAMLAliasGuard.firstAlias(in: "sites:\n  - name: a\n    certificate: *cert\n") == 3)
        #expect(YAMLAliasGuard.firstAlias(in: "a: [1, *x]\n") == 1)
        #expect(YAMLAliasGuard.firstAlias(in: "a: {b: *x}\n") == 1)
    }

    /// libyaml stops at 1,000 nested collections; just below, Yams' recursive composer must not crash.
    @Test func deepNestingIsAnErrorNotACrash() {
        for depth in [990, 5_000] {
            let yaml =
                "state_directory: /s\nsites: " + String(repeating: "[", count: depth)
                + String(repeating: "]", count: depth)
            #expect(throws: ConfigurationError.self) {
                _ = try RunConfigurationLoader.parse(yaml: yaml, path: "/deep.yaml")
            }
        }
    }

    @Test func starsThatAreNotAliasesAreKept() throws {
        let yaml = """
            state_directory: /s   # *not an alias
            sites:
              - name: a
                certificate: "*quoted.pem"
                directory: /out/*/x
                nginx:
                  staple_file: '*single.der'
                  reload: |
                    kill -HUP $(cat /run/nginx.pid)
                    *also-text
                  server_name: a*b
            """
        let site = try RunConfigurationLoader.parse(yaml: yaml, path: "/etc/staple.yaml").sites[0]
        #expect(site.certificate == "/etc/*quoted.pem")
        #expect(site.directory == "/out/*/x")
        #expect(site.nginx?.stapleFile == "/etc/*single.der")
        #expect(site.nginx?.reload == .command("kill -HUP $(cat /run/nginx.pid)\n*also-text\n"))
        #expect(site.nginx?.serverName == "a*b")
    }

    @Test func unreadableFiles() throws {
        let directory = try TemporaryDirectory.make(prefix: "staple-config-load")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func code(_ path: String) -> (ConfigurationErrorCode, String)? {
            do {
                _ = try RunConfigurationLoader.load(path: path)
                return nil
            } catch {
                return (error.code, error.message)
            }
        }
        #expect(code("\(directory)/absent.yaml")?.0 == .unreadable)
        #expect(code(directory)?.1 == "\(directory): is a directory")
        try Data([0x73, 0x3A, 0x20, 0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: "\(directory)/latin.yaml"))
        #expect(code("\(directory)/latin.yaml")?.1 == "\(directory)/latin.yaml: not UTF-8 text")
        try Data(count: RunConfigurationLoader.maximumSize + 1).write(to: URL(fileURLWithPath: "\(directory)/big.yaml"))
        #expect(code("\(directory)/big.yaml")?.1.hasSuffix("larger than 4 MiB") == true)
        try Data("state_directory: /s\nsites: [\u{0007}]\n".utf8).write(
            to: URL(fileURLWithPath: "\(directory)/bell.yaml"))
        #expect(code("\(directory)/bell.yaml")?.0 == .syntax)
    }
}
