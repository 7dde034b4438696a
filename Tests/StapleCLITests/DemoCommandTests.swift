import Foundation
import StapleTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `staple demo` end to end, as a user runs it: the built executable with its real children
/// (`staple respond`, `staple serve`, `staple check`, openssl, nginx when installed).
@Suite(
    "staple demo", .serialized, .enabled(if: opensslTestsEnabled, Comment(rawValue: opensslMissingReason)))
struct DemoCommandTests {
    /// nginx's half of step 3 must run under CI (where nginx is installed) or wherever nginx is.
    static let nginxExpected = SystemTools.isCI || SystemTools.which("nginx") != nil

    @Test("runs to the end, exits 0: the first handshake stapled, the revocation seen; nothing left behind")
    func fullRun() throws {
        let run = try SystemTools.execute(StapleBinary.url.path, ["demo", "--json"])
        #expect(run.status == 0, "\(run)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run)")
        #expect(document["status"] as? String == "ok")
        #expect(document["exit_code"] as? Int == 0)
        let steps = try #require(document["steps"] as? [[String: Any]])
        #expect(steps.map { $0["id"] as? String } == ["first-handshake", "revocation", "bad-staples", "lint"])
        func step(_ id: String) -> (outcome: String?, facts: [String: Any]) {
            let found = steps.first { $0["id"] as? String == id }
            return (found?["outcome"] as? String, found?["facts"] as? [String: Any] ?? [:])
        }

        let first = step("first-handshake")
        #expect(first.outcome == "shown")
        #expect(first.facts["first_handshake_stapled"] as? Bool == true)
        #expect(first.facts["must_staple_first_handshake_stapled"] as? Bool == true)
        #expect(first.facts["revoked_leaf_stapled"] as? Bool == false)
        #expect(first.facts["site_check_status"] as? String == "ok")

        let revocation = step("revocation")
        #expect(revocation.outcome == "shown")
        #expect(revocation.facts["responder_revoked"] as? Bool == true)
        #expect(revocation.facts["serve_withdrew"] as? Bool == true)
        #expect(revocation.facts["check_status"] as? String == "critical")
        #expect((revocation.facts["index_line"] as? String)?.hasPrefix("R\t") == true)

        let bad = step("bad-staples")
        #expect(bad.outcome == (Self.nginxExpected ? "shown" : "skipped"))
        #expect(bad.facts["inspect_expired_status"] as? Int == 1)
        #expect(bad.facts["inspect_foreign_status"] as? Int == 1)
        if Self.nginxExpected {
            #expect(bad.facts["nginx_stapled_expired"] as? Bool == true)
            #expect(bad.facts["nginx_expired_check"] as? String == "critical")
            #expect(bad.facts["nginx_foreign_check"] as? String == "critical")
        }

        let lint = step("lint")
        #expect(lint.outcome == "shown")
        #expect(lint.facts["exit_status"] as? Int == 2)
        #expect((lint.facts["rules"] as? String)?.contains("must-staple-not-stapled") == true)

        let directory = try #require(document["directory"] as? String)
        #expect(directory.contains("staple-demo-"))
        #expect(!FileManager.default.fileExists(atPath: directory), "\(directory) was left behind")
        #expect(DemoLeftovers.processes(mentioning: directory).isEmpty)
    }

    @Test("text output: the story names each step and its verdict, without colours when not a terminal")
    func textStory() throws {
        let run = try SystemTools.execute(StapleBinary.url.path, ["demo"])
        #expect(run.status == 0, "\(run)")
        for expected in [
            "1. The staple is there on the very first handshake", "2. A revocation", "3. An expired staple",
            "4. staple lint", "Every step showed what it should", "Cleaned up: stopped staple serve",
        ] {
            #expect(run.stdout.contains(expected), "missing \(expected)\n\(run.stdout)")
        }
        #expect(!run.stdout.contains("\u{1B}["), "escape sequences in output that is not a terminal")
        let directory = try #require(DemoLeftovers.directory(in: run.stdout))
        #expect(!FileManager.default.fileExists(atPath: directory))
        #expect(DemoLeftovers.processes(mentioning: directory).isEmpty)
    }

    @Test("SIGINT in the middle of the story: respond, serve and every other child stopped, the directory removed")
    func interrupted() async throws {
        let directory = try TemporaryDirectory.make(prefix: "demo-interrupt-test")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outputPath = "\(directory)/out.txt"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? output.close() }
        let process = try SystemTools.makeProcess(StapleBinary.url.path, ["demo"])
        process.standardOutput = output
        process.standardError = output
        try process.run()
        func text() -> String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
        // Step 2 has begun: respond and serve are up, the PKI made, children running.
        let midway = await eventually(within: 120) { text().contains("\n2. ") || !process.isRunning }
        #expect(midway && process.isRunning, "the demo did not reach step 2: \(text())")
        let demoDirectory = try #require(DemoLeftovers.directory(in: text()), "\(text())")
        #expect(!DemoLeftovers.processes(mentioning: demoDirectory).isEmpty, "no children seen before SIGINT")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(text())")
        #expect(text().contains("SIGINT: stopped"), "\(text())")
        #expect(!FileManager.default.fileExists(atPath: demoDirectory), "\(demoDirectory) was left behind")
        #expect(DemoLeftovers.processes(mentioning: demoDirectory).isEmpty, "children left running")
    }

    @Test("--no-nginx: step 3 says nginx's half was skipped, Staple's half still runs, exit 0")
    func withoutNginx() throws {
        let run = try SystemTools.execute(StapleBinary.url.path, ["demo", "--json", "--no-nginx"])
        #expect(run.status == 0, "\(run)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run)")
        let steps = try #require(document["steps"] as? [[String: Any]])
        let bad = try #require(steps.first { $0["id"] as? String == "bad-staples" })
        #expect(bad["outcome"] as? String == "skipped")
        #expect((bad["problems"] as? [String])?.first?.contains("--no-nginx") == true)
        #expect((bad["facts"] as? [String: Any])?["inspect_expired_status"] as? Int == 1)
        #expect((bad["facts"] as? [String: Any])?["nginx_expired_check"] == nil)
        #expect(steps.filter { $0["outcome"] as? String == "shown" }.count == 3)
    }

    @Test("--keep-running: serve still staples after the story; Ctrl-C then exits 0 and cleans up")
    func keepRunning() async throws {
        let directory = try TemporaryDirectory.make(prefix: "demo-keep-test")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outputPath = "\(directory)/out.json"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? output.close() }
        let process = try SystemTools.makeProcess(StapleBinary.url.path, ["demo", "--json", "--keep-running"])
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        func document() -> [String: Any]? {
            guard let data = FileManager.default.contents(atPath: outputPath) else { return nil }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        }
        let reported = await eventually(within: 120) { document() != nil || !process.isRunning }
        let report = try #require(document(), "no report")
        #expect(reported && process.isRunning)
        #expect(report["status"] as? String == "ok")
        let demoDirectory = try #require(report["directory"] as? String)
        let serve = try #require(report["serve_address"] as? String)
        let handshake = try SystemTools.execute(
            "openssl",
            [
                "s_client", "-connect", serve, "-servername", "demo.staple.test", "-status", "-CAfile",
                "\(demoDirectory)/pki/root.pem",
            ])
        #expect(handshake.stdout.contains("Cert Status: good"), "\(handshake)")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: demoDirectory))
        #expect(DemoLeftovers.processes(mentioning: demoDirectory).isEmpty)
    }

    @Test("openssl not to be found: exit 3, the message names the package; nothing left behind")
    func opensslMissing() throws {
        let directory = try TemporaryDirectory.make(prefix: "demo-no-openssl-test")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = try SystemTools.makeProcess(StapleBinary.url.path, ["demo"])
        process.environment = ["PATH": "\(directory)/empty", "HOME": directory]
        let outputPath = "\(directory)/out.txt"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 3, "\(text)")
        #expect(text.contains("apt-get install openssl"), "\(text)")
        let demoDirectory = try #require(DemoLeftovers.directory(in: text), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: demoDirectory))
    }

    @Test("a usage error exits 2, never 64")
    func usageError() throws {
        let run = try SystemTools.execute(StapleBinary.url.path, ["demo", "--no-such-option"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--no-such-option"))
    }

    @Test("staple serve --min-refresh-interval (what the demo relies on) must be 1 or more: 0 is a usage error")
    func serveMinimumRefreshInterval() throws {
        let run = try SystemTools.execute(
            StapleBinary.url.path,
            [
                "serve", "--listen", "127.0.0.1:1", "--backend", "127.0.0.1:2", "--cert", "a.pem", "--key", "a.key",
                "--min-refresh-interval", "0",
            ])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--min-refresh-interval"), "\(run)")
    }

    @Test("--help explains the story and lists the exit statuses")
    func help() throws {
        let run = try SystemTools.execute(StapleBinary.url.path, ["demo", "--help"])
        #expect(run.status == 0)
        for expected in ["openssl s_client -status", "--keep-running", "Exit status", "NO_COLOR", "staple demo --json"]
        {
            #expect(run.stdout.contains(expected), "missing \(expected)")
        }
    }
}

/// What a demo run may leave behind: its directory, and processes whose command line names it.
enum DemoLeftovers {
    /// The demo's temporary directory, from its "Working in DIR" line.
    static func directory(in output: String) -> String? {
        guard let range = output.range(of: "Working in ") else { return nil }
        return output[range.upperBound...].split(separator: " ").first.map(String.init)
    }

    /// The pids of running processes with `directory` in their command line (respond, serve and
    /// nginx all name files in it).
    static func processes(mentioning directory: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            // A zombie (state Z) is no longer running; its parent has not reaped it yet.
            if let close = state.lastIndex(of: ")"), state[state.index(close, offsetBy: 2)...].hasPrefix("Z") {
                return false
            }
            return String(decoding: data, as: UTF8.self).contains(directory)
        }
    }
}
