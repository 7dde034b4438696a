import Foundation
import StapleTestSupport
import Testing

@testable import StapleRun

@Suite("run configuration: writing YAML")
struct ConfigurationWriterTests {
    /// Writes `configuration` as YAML to a file, loads it back, and returns both.
    static func roundTrip(_ configuration: RunConfiguration) throws -> (yaml: String, loaded: RunConfiguration) {
        let directory = try TemporaryDirectory.make(prefix: "staple-config-write")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let yaml = RunConfigurationWriter.yaml(configuration)
        try yaml.write(toFile: "\(directory)/staple.yaml", atomically: true, encoding: .utf8)
        return (yaml, try RunConfigurationLoader.load(path: "\(directory)/staple.yaml"))
    }

    @Test func thePackagedSampleRoundTrips() throws {
        let sample = try RunConfigurationLoader.load(path: repositoryRoot + "/packaging/staple.yaml")
        let (yaml, loaded) = try Self.roundTrip(sample)
        #expect(loaded.withoutSource == sample.withoutSource)
        #expect(yaml.hasPrefix("# staple run configuration"))
        #expect(yaml.contains("\n    refresh_margin: 12h\n"))
        #expect(yaml.contains("\n      pid_file: /run/nginx.pid\n"))
    }

    /// Paths and commands YAML would misread if written plain.
    static let oddValues = [
        "/srv/with space/cert.pem", "/srv/quote\"d/c.pem", "/srv/it's/c.pem", "/srv/hash #1/c.pem",
        "/srv/colon: x/c.pem",
        "/srv/trailing:", "-leading-dash", "null", "~", "yes", "on", "123", "0x1F", "1e3", "/srv/tab\there",
        "/srv/new\nline",
        "/srv/ünïcode/ça.pem", "/srv/back\\slash", "[bracket]", "{brace}", "*star", "&amp", "!bang", "%percent", "@at",
        "`tick`", "|pipe", ">gt", "/srv/bell\u{07}", " lead", "trail ", "/srv/\u{2028}sep", "#hash", "'single'",
    ]

    @Test(arguments: oddValues)
    func oddStringsRoundTrip(_ value: String) throws {
        let configuration = RunConfiguration(
            stateDirectory: "/var/lib/staple" + (value.hasPrefix("/") ? value : "/" + value),
            sites: [
                SiteConfiguration(
                    name: "odd", certificate: "/c" + (value.hasPrefix("/") ? value : "/" + value),
                    nginx: NginxOutputConfiguration(
                        stapleFile: "/s.der", reload: .command(value), serverName: value))
            ])
        let (yaml, loaded) = try Self.roundTrip(configuration)
        #expect(loaded.withoutSource == configuration, "YAML:\n\(yaml)")
    }

    @Test func everyFieldRoundTrips() throws {
        let configuration = RunConfiguration(
            stateDirectory: "/var/lib/staple", metricsListen: "[::1]:9180", certificatePollInterval: 90,
            sites: [
                SiteConfiguration(
                    name: "www", certificate: "/etc/www.pem", issuer: "/etc/ca.pem",
                    responder: "http://ocsp.example/a?b=c",
                    refreshMargin: 1.5, timeout: 86_400 * 2,
                    nginx: NginxOutputConfiguration(
                        stapleFile: "/etc/nginx/www.der", reload: .pidFile("/run/nginx.pid"), confirm: "127.0.0.1:8443",
                        serverName: "www.example.org", includeFile: "/etc/nginx/staples/www.conf"),
                    haproxy: HAProxyOutputConfiguration(
                        crt: "/etc/haproxy/www.pem", socket: .tcp(host: "::1", port: 9999)),
                    directory: "/var/lib/staple/out", origin: "/etc/nginx/sites-enabled/www:3"),
                SiteConfiguration(
                    name: "api", certificate: "/etc/api.pem", refreshMargin: 900,
                    haproxy: HAProxyOutputConfiguration(crt: "/etc/haproxy/api.pem", socket: .unix(path: "/run/h.sock"))
                ),
            ], store: "postgres://staple@db/staple", storePasswordFile: "/etc/staple/pgpass")
        let (yaml, loaded) = try Self.roundTrip(configuration)
        #expect(loaded.withoutSource == configuration.withoutSource, "YAML:\n\(yaml)")
        #expect(yaml.contains("  # found at /etc/nginx/sites-enabled/www:3\n  - name: www\n"))
        #expect(yaml.contains("certificate_poll_interval: 90s\n"))
        #expect(yaml.contains("    timeout: 2d\n"))
        #expect(yaml.contains("    refresh_margin: 15m\n"))
        #expect(yaml.contains("      socket: \"tcp:[::1]:9999\"\n") || yaml.contains("      socket: tcp:[::1]:9999\n"))
    }

    @Test(arguments: [
        (1.0, "1s"), (60, "1m"), (90, "90s"), (3600, "1h"), (5400, "90m"), (86_400, "1d"), (0.25, "0.25"),
    ])
    func durationsAreWrittenInTheLargestExactUnit(seconds: Double, text: String) {
        #expect(DurationValue.text(seconds) == text)
        #expect(DurationValue.seconds(text) == seconds)
    }
}
