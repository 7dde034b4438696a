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

    static func failure(_ path: String, as server: ServerKind? = .nginx) -> LintError? {
        let report = Linter(now: Date(timeIntervalSince1970: 1_750_000_000)).lint(paths: [path], as: server)
        #expect(report.grade == .unlintable || report.failures.isEmpty)
        return report.failures.first
    }

    @Test func includeCycleThroughGlob() throws {
        let directory = try Self.tree([
            "nginx.conf": "events {}\nhttp {\n    include conf.d/*.conf;\n}\n",
            "conf.d/a.conf": "server { listen 443 ssl; }\ninclude conf.d/*.conf;\n",
        ])
        let error = try #require(Self.failure(directory + "/nginx.conf"))
        #expect(error.code == .includeCycle)
        #expect(error.location.file.hasSuffix("conf.d/a.conf") && error.location.line == 2)
    }

    @Test func apacheIncludeCycle() throws {
        let directory = try Self.tree(["apache2.conf": "Include apache2.conf\n"])
        #expect(Self.failure(directory + "/apache2.conf", as: .apache)?.code == .includeCycle)
    }

    @Test func deepNesting() throws {
        let depth = 100_000
        let text = String(repeating: "a {\n", count: depth) + String(repeating: "}\n", count: depth)
        let directory = try Self.tree(["nginx.conf": text])
        let error = try #require(Self.failure(directory + "/nginx.conf"))
        #expect(error.code == .tooDeep)
        let apache = try Self.tree(["apache2.conf": String(repeating: "<IfModule x>\n", count: depth)])
        #expect(Self.failure(apache + "/apache2.conf", as: .apache)?.code == .tooDeep)
    }

    @Test func hugeFile() throws {
        let line = "# " + String(repeating: "x", count: 1_000) + "\n"
        let directory = try Self.tree(["nginx.conf": String(repeating: line, count: 9_000)])
        #expect(Self.failure(directory + "/nginx.conf")?.code == .tooLarge)
    }

    @Test func binaryGarbageNamesTheLine() throws {
        let directory = try Self.tree(["nginx.conf": "events {}\nhttp {\n"])
        let path = directory + "/nginx.conf"
        var bytes = Array("events {}\nhttp {\n".utf8)
        bytes += [0x00, 0xFF, 0xFE, 0x0A]
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = try #require(Self.failure(path))
        #expect(error.code == .binary)
        #expect(error.location.line == 3)
    }

    @Test func invalidUTF8() throws {
        let directory = try Self.tree([:])
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/haproxy.cfg"
        try Data(Array("global\n".utf8) + [0xC3, 0x28, 0x0A]).write(to: URL(fileURLWithPath: path))
        let error = try #require(Self.failure(path, as: .haproxy))
        #expect(error.code == .binary && error.location.line == 2)
    }

    @Test func missingIncludeNamesTheDirective() throws {
        let directory = try Self.tree(["nginx.conf": "events {}\nhttp {\n    include missing.conf;\n}\n"])
        let error = try #require(Self.failure(directory + "/nginx.conf"))
        #expect(error.code == .unreadable)
        #expect(error.location.line == 3)
        // A glob that matches nothing is fine for nginx.
        let glob = try Self.tree(["nginx.conf": "events {}\nhttp {\n    include none/*.conf;\n}\n"])
        #expect(Self.failure(glob + "/nginx.conf") == nil)
    }

    @Test func deviceFilesAreRefused() throws {
        let directory = try Self.tree(["nginx.conf": "include /dev/zero;\n"])
        let error = try #require(Self.failure(directory + "/nginx.conf"))
        #expect(error.code == .unreadable)
        #expect(error.reason.contains("not a regular file"))
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
        let error = try #require(Self.failure(directory + "/" + name, as: server))
        #expect(error.code == .syntax)
        #expect(error.location.line == line, "\(error)")
    }

    @Test func unknownServerNeedsAFlag() throws {
        let directory = try Self.tree(["site.txt": "hello world\n"])
        #expect(Self.failure(directory + "/site.txt", as: nil)?.code == .unknownServer)
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
