import Foundation
import StapleDemo
import StapleTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The demo's parts without the story: process handling against real programs, and the pure
/// pieces (colour decision, shown command lines, reading OpenSSL's and Staple's output).
@Suite("staple demo parts")
struct DemoPartsTests {
    @Test("colours only on a terminal, and NO_COLOR (non-empty) or TERM=dumb turn them off")
    func colours() {
        #expect(Style.decide(terminal: true, environment: [:]).colours)
        #expect(Style.decide(terminal: true, environment: ["NO_COLOR": ""]).colours)
        #expect(!Style.decide(terminal: true, environment: ["NO_COLOR": "1"]).colours)
        #expect(!Style.decide(terminal: true, environment: ["TERM": "dumb"]).colours)
        #expect(!Style.decide(terminal: false, environment: [:]).colours)
        let plain = Style(colours: false, terminal: false)
        #expect(plain.good("x") == "x")
        #expect(Style(colours: true, terminal: true).good("x") == "\u{1B}[32mx\u{1B}[0m")
    }

    @Test("command lines are shown with $DEMO for the directory, quoted where a shell needs it")
    func shownCommands() {
        let shown = ShellWords.join(
            ["/usr/bin/openssl", "req", "-subj", "/CN=Staple Demo Root CA", "-out", "/tmp/d/root.pem"],
            directory: "/tmp/d")
        #expect(shown == "openssl req -subj '/CN=Staple Demo Root CA' -out $DEMO/root.pem")
    }

    @Test("s_client output: the staple's lines (the response's serial, not the certificates'), or no staple")
    func sClientOutput() {
        let output = """
            CONNECTED(00000003)
            OCSP response:
            ======================================
            OCSP Response Data:
                OCSP Response Status: successful (0x0)
                Response Type: Basic OCSP Response
                Responses:
                Certificate ID:
                  Serial Number: 1001
                Cert Status: good
                This Update: Dec  1 11:58:33 2026 GMT
                Next Update: Dec  1 12:08:33 2026 GMT
            Certificate:
                Data:
                    Serial Number: 4096 (0x1000)
            """
        #expect(
            OpenSSLOutput.stapleLines(output) == [
                "OCSP Response Status: successful (0x0)", "Serial Number: 1001", "Cert Status: good",
                "This Update: Dec  1 11:58:33 2026 GMT", "Next Update: Dec  1 12:08:33 2026 GMT",
            ])
        #expect(!OpenSSLOutput.noStaple(output))
        #expect(OpenSSLOutput.noStaple("CONNECTED(00000003)\nOCSP response: no response sent\n"))
    }

    @Test("staple check --json: targets by host, the first handshake, the worst finding")
    func checkDocument() throws {
        let json = """
            {"status":"critical","exit_code":2,"targets":[
             {"target":"a.test:1","host":"a.test","status":"ok","deployments":[{"serial":"1001","must_staple":false,
              "severity":"ok","handshakes":[{"number":1,"stapled":true,"version":"TLSv1.3"},{"number":2,"stapled":true}],
              "findings":[{"id":"staple-valid","severity":"ok","seen":"the staple verifies"}]}]},
             {"target":"b.test:1","host":"b.test","status":"critical","deployments":[{"serial":"1003","must_staple":true,
              "severity":"critical","handshakes":[{"number":1,"stapled":false}],
              "findings":[{"id":"no-staple","severity":"critical","seen":"none stapled"}]}]}]}
            """
        let run = ToolRun(commandLine: ["staple"], status: 2, output: json, errors: "", seconds: 0)
        let document = try #require(CheckDocument.parse(run))
        #expect(document.target("a.test")?.firstHandshakeStapled == true)
        #expect(document.target("b.test")?.firstHandshakeStapled == false)
        #expect(document.target("b.test")?.stapledAtAll == false)
        #expect(document.target("b.test")?.headline == "CRITICAL no-staple: none stapled")
        #expect(
            CheckDocument.parse(ToolRun(commandLine: [], status: 3, output: "not json", errors: "", seconds: 0)) == nil)
    }

    @Test("a child's exit code and death by signal; stopNow ends one that runs on")
    func childExit() async throws {
        let directory = try TemporaryDirectory.make(prefix: "demo-parts")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let exits = try ChildProcess("/bin/sh", ["-c", "echo out; echo err >&2; exit 7"], outputPath: "\(directory)/a")
        #expect(await exits.wait(timeout: .seconds(60)) == 7)
        #expect(exits.output == "out\nerr\n")
        let sleeps = try ChildProcess("/bin/sleep", ["60"], outputPath: "\(directory)/b")
        #expect(sleeps.isRunning)
        sleeps.stopNow()
        #expect(sleeps.poll() == 128 + SIGTERM)
        sleeps.stopNow()  // twice: nothing happens
    }

    @Test("children get an empty signal mask and default dispositions, whatever this thread blocks")
    func cleanSignalState() async throws {
        let directory = try TemporaryDirectory.make(prefix: "demo-parts")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var block = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGINT)
        sigaddset(&block, SIGTERM)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &block, &previous)
        let child: ChildProcess
        do {
            child = try ChildProcess("/bin/grep", ["^Sig", "/proc/self/status"], outputPath: "\(directory)/status")
        } catch {
            pthread_sigmask(SIG_SETMASK, &previous, nil)
            throw error
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        #expect(await child.wait(timeout: .seconds(60)) == 0)
        let fields = Dictionary(
            uniqueKeysWithValues: child.output.split(separator: "\n").compactMap { line -> (String, UInt64)? in
                let parts = line.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, let value = UInt64(parts[1], radix: 16) else { return nil }
                return (parts[0], value)
            })
        let interruptAndTerminate: UInt64 = (1 << (UInt64(SIGINT) - 1)) | (1 << (UInt64(SIGTERM) - 1))
        #expect(fields["SigBlk"] == 0, "\(child.output)")
        #expect((fields["SigIgn"] ?? interruptAndTerminate) & interruptAndTerminate == 0, "\(child.output)")
    }

    @Test("a child inherits no descriptor beyond standard input, output and error")
    func noInheritedDescriptors() async throws {
        let directory = try TemporaryDirectory.make(prefix: "demo-parts")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A pipe without close-on-exec, as a parent's pipe may be.
        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)
        defer { for end in ends { close(end) } }
        let child = try ChildProcess("/bin/ls", ["/proc/self/fd"], outputPath: "\(directory)/fds")
        #expect(await child.wait(timeout: .seconds(60)) == 0)
        // ls itself opens one descriptor (the lowest free, 3) to read the directory.
        let descriptors = child.output.split(separator: "\n").compactMap { Int32($0) }
        #expect(!descriptors.contains(ends[0]) && !descriptors.contains(ends[1]), "\(descriptors), pipe \(ends)")
        #expect(descriptors.filter { $0 > 3 }.isEmpty, "\(descriptors)")
    }

    @Test("the cleanup stops what is tracked and removes the directory, once")
    func cleanup() throws {
        let directory = try TemporaryDirectory.make(prefix: "demo-parts")
        let cleanup = Cleanup()
        cleanup.track(directory: directory)
        let child = try ChildProcess("/bin/sleep", ["60"], label: "sleeper", outputPath: "\(directory)/out")
        cleanup.track(child)
        #expect(cleanup.cleanUp() == ["sleeper (pid \(child.pid))"])
        #expect(!child.isRunning)
        #expect(!FileManager.default.fileExists(atPath: directory))
        #expect(cleanup.cleanUp().isEmpty)
        // A child tracked after the cleanup is stopped at once.
        let late = try ChildProcess("/bin/sleep", ["60"], outputPath: "/dev/null")
        cleanup.track(late)
        #expect(!late.isRunning)
    }

    @Test("the JSON report: status, exit code, steps with their facts")
    func reportJSON() throws {
        var step = StepReport(id: "revocation", title: "A revocation")
        step.facts["serve_withdrew"] = .flag(true)
        step.facts["serve_withdrew_after_seconds"] = .number(1.5)
        var failed = StepReport(id: "lint", title: "lint")
        failed.fail("staple lint exited 0")
        let report = DemoReport(
            result: .stepNotShown(["lint"]), directory: "/tmp/x", seconds: 5.34, respondURL: "http://127.0.0.1:1/",
            serveAddress: "127.0.0.1:2", steps: [step, failed])
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(ReportJSON.render(report, exitCode: 1).utf8)) as? [String: Any])
        #expect(document["status"] as? String == "step-not-shown")
        #expect(document["exit_code"] as? Int == 1)
        #expect(document["seconds"] as? Double == 5.3)
        let steps = try #require(document["steps"] as? [[String: Any]])
        #expect((steps[0]["facts"] as? [String: Any])?["serve_withdrew"] as? Bool == true)
        #expect(steps[1]["outcome"] as? String == "not-shown")
        #expect(steps[1]["problems"] as? [String] == ["staple lint exited 0"])
    }
}
