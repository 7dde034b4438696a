import ConfigLint
import Foundation
import Testing

/// Hostile input ends with a clear error naming the file and line: no crash, no hang.
@Suite("Hostile input")
struct RobustnessTests {
    /// A temporary directory with `files` written into it.
    static func tree(_ files: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "staple-lint-hostile-\(UUID().uuidString)"
        ).path
        for (name, text) in files {
            let path = directory + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return directory
    }

    static func lint(_ path: String, as server: ServerKind?) -> LintReport {
        Linter(now: Date(timeIntervalSince1970: 1_750_000_000)).lint(paths: [path], as: server)
    }

    /// Lints `path` and expects exactly this refusal: nothing linted, one failure with `code`, located
    /// in the file whose path ends with `file`, at `line` (0: the file as a whole).
    @discardableResult
    static func expectRefusal(
        _ path: String, as server: ServerKind? = .nginx, _ code: LintError.Code, file: String, line: Int,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) -> LintError? {
        let report = lint(path, as: server)
        #expect(report.configurations.isEmpty, "a refused input is not linted", sourceLocation: sourceLocation)
        #expect(report.failures.count == 1, "\(report.failures)", sourceLocation: sourceLocation)
        guard let error = report.failures.first else {
            Issue.record("\(path) was linted, expected a refusal (\(code))", sourceLocation: sourceLocation)
            return nil
        }
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        #expect(error.location.file.hasSuffix("/" + file), "\(error)", sourceLocation: sourceLocation)
        #expect(error.location.line == line, "\(error)", sourceLocation: sourceLocation)
        return error
    }

    /// Lints `path` and expects it linted without a failure or a finding.
    static func expectClean(
        _ path: String, as server: ServerKind? = .nginx, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        let report = lint(path, as: server)
        #expect(report.failures.isEmpty, "\(report.failures)", sourceLocation: sourceLocation)
        #expect(report.configurations.count == 1, sourceLocation: sourceLocation)
        #expect(report.findings.isEmpty, "\(report.findings)", sourceLocation: sourceLocation)
    }

    @Test func includeCycleThroughGlob() throws {
        let directory = try Self.tree([
            "nginx.conf": "events {}\nhttp {\n    include conf.d/*.conf;\n}\n",
            "conf.d/a.conf": "server { listen 443 ssl; }\ninclude conf.d/*.conf;\n",
        ])
        Self.expectRefusal(directory + "/nginx.conf", .includeCycle, file: "conf.d/a.conf", line: 2)
    }

    @Test func apacheIncludeCycle() throws {
        let directory = try Self.tree(["apache2.conf": "Include apache2.conf\n"])
        Self.expectRefusal(directory + "/apache2.conf", as: .apache, .includeCycle, file: "apache2.conf", line: 1)
    }

    @Test func deepNesting() throws {
        let depth = 100_000
        let text = String(repeating: "a {\n", count: depth) + String(repeating: "}\n", count: depth)
        let directory = try Self.tree(["nginx.conf": text])
        // Files and blocks share the depth limit: the file is one level, its top-level blocks the next,
        // so the block opened at line `maximumDepth - 1` is the first one too deep.
        let refusedLine = ReadLimits().maximumDepth - 1
        Self.expectRefusal(directory + "/nginx.conf", .tooDeep, file: "nginx.conf", line: refusedLine)
        let apache = try Self.tree(["apache2.conf": String(repeating: "<IfModule x>\n", count: depth)])
        Self.expectRefusal(apache + "/apache2.conf", as: .apache, .tooDeep, file: "apache2.conf", line: refusedLine)
    }

    @Test func hugeFile() throws {
        let line = "# " + String(repeating: "x", count: 1_000) + "\n"
        let directory = try Self.tree(["nginx.conf": String(repeating: line, count: 9_000)])
        Self.expectRefusal(directory + "/nginx.conf", .tooLarge, file: "nginx.conf", line: 0)
    }

    @Test func binaryGarbageNamesTheLine() throws {
        let directory = try Self.tree(["nginx.conf": "events {}\nhttp {\n"])
        let path = directory + "/nginx.conf"
        var bytes = Array("events {}\nhttp {\n".utf8)
        bytes += [0x00, 0xFF, 0xFE, 0x0A]
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        Self.expectRefusal(path, .binary, file: "nginx.conf", line: 3)
    }

    @Test func invalidUTF8() throws {
        let directory = try Self.tree([:])
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/haproxy.cfg"
        try Data(Array("global\n".utf8) + [0xC3, 0x28, 0x0A]).write(to: URL(fileURLWithPath: path))
        Self.expectRefusal(path, as: .haproxy, .binary, file: "haproxy.cfg", line: 2)
    }

    @Test func missingIncludeNamesTheDirective() throws {
        let directory = try Self.tree(["nginx.conf": "events {}\nhttp {\n    include missing.conf;\n}\n"])
        Self.expectRefusal(directory + "/nginx.conf", .unreadable, file: "nginx.conf", line: 3)
        // A glob that matches nothing is fine for nginx.
        let glob = try Self.tree(["nginx.conf": "events {}\nhttp {\n    include none/*.conf;\n}\n"])
        Self.expectClean(glob + "/nginx.conf")
    }

    @Test func deviceFilesAreRefused() throws {
        let directory = try Self.tree(["nginx.conf": "include /dev/zero;\n"])
        let error = Self.expectRefusal(directory + "/nginx.conf", .unreadable, file: "nginx.conf", line: 1)
        #expect(error?.reason.contains("not a regular file") == true)
    }

    @Test(arguments: [
        ("nginx.conf", "http {\n  server {\n    listen 443 ssl;\n", ServerKind.nginx, 2),
        ("nginx.conf", "http {\n}\n}\n", ServerKind.nginx, 3),
        ("nginx.conf", "http {\n  ssl_certificate \"/x;\n}\n", ServerKind.nginx, 2),
        ("nginx.conf", "server_name a\n}\n", ServerKind.nginx, 2),
        ("apache2.conf", "<VirtualHost *:443>\nSSLEngine on\n", ServerKind.apache, 1),
        ("apache2.conf", "</VirtualHost>\n", ServerKind.apache, 1),
        ("haproxy.cfg", "global\n  crt-base \"/etc\n", ServerKind.haproxy, 2),
        ("haproxy.cfg", "bind :443 ssl\n", ServerKind.haproxy, 1),
    ])
    func syntaxErrorsNameTheLine(_ name: String, _ text: String, _ server: ServerKind, _ line: Int) throws {
        let directory = try Self.tree([name: text])
        Self.expectRefusal(directory + "/" + name, as: server, .syntax, file: name, line: line)
    }

    @Test func unknownServerNeedsAFlag() throws {
        let directory = try Self.tree(["site.txt": "hello world\n"])
        Self.expectRefusal(directory + "/site.txt", as: nil, .unknownServer, file: "site.txt", line: 0)
    }

    @Test func detectionByContent() throws {
        let directory = try Self.tree([
            "a.conf": "events {}\nhttp {\n    server {\n        listen 443 ssl;\n    }\n}\n",
            "b.conf": "<VirtualHost *:443>\n    SSLEngine on\n</VirtualHost>\n",
            "c.cfg": "global\n    maxconn 10\nfrontend www\n    bind :443 ssl crt /x.pem\n",
        ])
        let report = Linter(now: Date()).lint(paths: ["a.conf", "b.conf", "c.cfg"].map { directory + "/" + $0 })
        #expect(report.configurations.map(\.server) == [.nginx, .apache, .haproxy])
    }
}
