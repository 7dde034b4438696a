import StaplingCheck
import Testing

@Suite struct TargetTests {
    @Test(
        arguments: [
            ("example.org", "example.org", 443, "example.org"),
            ("example.org:8443", "example.org", 8443, "example.org"),
            ("https://example.org/path?x", "example.org", 443, "example.org"),
            ("https://example.org:9443/", "example.org", 9443, "example.org"),
            ("[::1]:8443", "::1", 8443, nil),
            ("127.0.0.1:1", "127.0.0.1", 1, nil),
        ] as [(String, String, Int, String?)])
    func parses(text: String, host: String, port: Int, serverName: String?) throws {
        let target = try CheckTarget(parsing: text)
        #expect(target.host == host)
        #expect(target.port == port)
        #expect(target.serverName == serverName)
    }

    @Test(arguments: ["", "example.org:0", "example.org:99999", "::1", "http://example.org/", "a:b"])
    func refuses(text: String) {
        #expect(throws: CheckError.self) { try CheckTarget(parsing: text) }
    }

    @Test func connectKeepsTheNameForSNI() throws {
        var target = try CheckTarget(parsing: "site.test:8443")
        try target.connect(to: "127.0.0.1")
        #expect(target.dialHost == "127.0.0.1")
        #expect(target.dialPort == 8443)
        #expect(target.serverName == "site.test")
        try target.connect(to: "[::1]:9000")
        #expect(target.dialHost == "::1")
        #expect(target.dialPort == 9000)
    }

    @Test func listsSkipCommentsAndNameTheBadLine() throws {
        let list = try CheckTarget.list(fileText: "# sites\na.test\n\n  b.test:8443  # staging\n", source: "f")
        #expect(list.map(\.description) == ["a.test:443", "b.test:8443"])
        do {
            _ = try CheckTarget.list(fileText: "a.test\nb.test:x\n", source: "sites.txt")
            Issue.record("a bad line was accepted")
        } catch {
            #expect(error.subject == "sites.txt:2")
        }
    }
}
