import Testing

@testable import StapleRun

@Suite("run configuration: names, addresses, paths, durations")
struct ConfigurationPrimitivesTests {
    @Test(arguments: [
        ("staple_fil", "staple_file"), ("stapel_file", "staple_file"), ("certficate", "certificate"),
        ("pidfile", "pid_file"), ("RELOAD", "reload"),
    ])
    func misspellingsFindTheirKey(written: String, meant: String) {
        #expect(
            KeySuggestion.nearest(
                to: written, among: RunConfigurationLoader.nginxKeys + RunConfigurationLoader.siteKeys) == meant)
    }

    @Test func unrelatedWordsGetNoSuggestion() {
        #expect(KeySuggestion.nearest(to: "color", among: RunConfigurationLoader.nginxKeys) == nil)
        #expect(KeySuggestion.nearest(to: "x", among: ["ab"]) == nil)
        #expect(KeySuggestion.editDistance("kitten", "sitting") == 3)
    }

    @Test(arguments: ["0", "-1", "1w", "", "s", "1.2.3", "1e3", "inf", "nan", " ", "+5"])
    func badDurations(_ text: String) {
        #expect(DurationValue.seconds(text) == nil)
    }

    @Test func hostPorts() {
        #expect(HostPort("127.0.0.1:9180") == HostPort(host: "127.0.0.1", port: 9180))
        #expect(HostPort("[::1]:443")?.description == "[::1]:443")
        #expect(HostPort("localhost:443")?.host == "localhost")
        for bad in ["9180", "::1:443", "host:0", "host:65536", ":443", "host:44x", "[]:1", "a b:1"] {
            #expect(HostPort(bad) == nil, "\(bad)")
        }
    }

    @Test func paths() {
        #expect(ConfigurationPath.resolve("certs/../a.pem", against: "/etc/staple/") == "/etc/staple/a.pem")
        #expect(ConfigurationPath.resolve("/x//y/./z", against: "/etc") == "/x/y/z")
        #expect(ConfigurationPath.directory(of: "/etc/staple/staple.yaml") == "/etc/staple")
        #expect(ConfigurationPath.directory(of: "/staple.yaml") == "/")
    }

    @Test func siteNames() {
        #expect(SiteName.sanitized("*.example.org") == "example.org")
        #expect(SiteName.sanitized("~^www\\d+$") == "www_d")
        #expect(SiteName.sanitized("...") == nil)
        #expect(SiteName.unique("www", among: ["www", "www-2"]) == "www-3")
        #expect(SiteName.isValid("www.example.org"))
        #expect(!SiteName.isValid("a/b"))
        #expect(!SiteName.isValid(".hidden"))
    }

    @Test(arguments: [
        ("", 1), ("a: 1", 1), ("a: 1\n", 2), ("a\nb\nc", 3), ("a\r\nb", 2), ("a\rb", 2), ("a\r\r\nb", 3),
        ("a\u{85}b", 2), ("a\u{2028}b\u{2029}c", 3), ("é\n", 2),
    ])
    func yamlLinesCountEveryBreakLibyamlCounts(text: String, lines: Int) {
        #expect(YAMLLines.count(text.utf8) == lines)
    }

    @Test func aSyntaxErrorAfterALoneCarriageReturnNamesALineTheFileHas() throws {
        // Found by the run-yaml fuzz target: libyaml counts a lone CR as a line break.
        let text = "a: ple/r\rn.md"
        #expect {
            try RunConfigurationLoader.parse(yaml: text, path: "/etc/staple/staple.yaml")
        } throws: { error in
            guard let error = error as? ConfigurationError, let subject = error.subject,
                let line = Int(subject.split(separator: ":").last ?? "")
            else { return false }
            return line >= 1 && line <= YAMLLines.count(text.utf8) + 1
        }
    }
}
