import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#endif

/// How `staple demo` was asked to run.
package struct DemoOptions: Sendable {
    /// The `staple` executable to start `respond`, `serve`, `check`, ... from (the running one).
    package var staple: String
    /// Leave respond and serve up after the story, until SIGINT or SIGTERM.
    package var keepRunning: Bool
    /// `--json`: no story on standard output, the report only.
    package var quiet: Bool
    package var style: Style
    /// `--no-nginx`: skip nginx's half of step 3 even when nginx is installed.
    package var skipNginx: Bool

    package init(staple: String, keepRunning: Bool, quiet: Bool, style: Style, skipNginx: Bool = false) {
        self.staple = staple
        self.keepRunning = keepRunning
        self.quiet = quiet
        self.style = style
        self.skipNginx = skipNginx
    }

    /// The running executable: `/proc/self/exe`, else `argv[0]`.
    package static func runningExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}

/// The demo from start to end: a temporary directory, the PKI, `staple respond` and `staple serve`
/// as child processes, the four steps, and the cleanup, which also runs on SIGINT and SIGTERM.
package final class DemoRunner: Sendable {
    package let options: DemoOptions
    package let cleanup = Cleanup()
    private let finishedReport = NIOLockedValueBox<DemoReport?>(nil)
    /// The in-process backend, closed after the cleanup.
    private let backend = NIOLockedValueBox<DemoBackend?>(nil)

    package init(options: DemoOptions) {
        self.options = options
    }

    /// Runs the story and returns its report, everything cleaned up.
    ///
    /// - Parameters:
    ///   - finished: gets the report once the story is over (before waiting, with `--keep-running`).
    ///   - interrupted: on SIGINT/SIGTERM, after the cleanup: the signal, and the report if the story
    ///     had finished. It must end the process.
    package func run(
        finished: @escaping @Sendable (DemoReport) -> Void,
        interrupted: @escaping @Sendable (Int32, DemoReport?) -> Void
    ) async -> DemoReport {
        let clock = ContinuousClock()
        let started = clock.now
        let narrator = Narrator(style: options.style, quiet: options.quiet)
        let progress = Progress(enabled: options.style.terminal && !options.quiet)
        let cleanup = self.cleanup
        let finishedReport = self.finishedReport
        cleanup.trapSignals { signal in
            progress.clear()
            let stopped = cleanup.cleanUp()
            let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
            FileHandle.standardError.write(
                Data(
                    "staple demo: \(name): stopped \(stopped.isEmpty ? "nothing" : stopped.joined(separator: ", ")); temporary files removed\n"
                        .utf8))
            interrupted(signal, finishedReport.withLockedValue { $0 })
        }
        var report = DemoReport(result: .allShown, directory: "", seconds: 0, steps: [])
        do {
            let directory = try Self.makeDirectory()
            cleanup.track(directory: directory)
            report.directory = directory
            try await story(directory: directory, narrator: narrator, progress: progress, report: &report)
        } catch {
            await cleanup.parkIfInterrupted()
            report.result = .couldNotStart(error.message)
            narrator.say()
            narrator.say(options.style.bad("Could not start: ") + error.message)
            if options.quiet { FileHandle.standardError.write(Data("staple demo: \(error.message)\n".utf8)) }
        }
        await cleanup.parkIfInterrupted()
        let failed = report.steps.filter { $0.outcome == .notShown }.map(\.id)
        if case .allShown = report.result, !failed.isEmpty { report.result = .stepNotShown(failed) }
        report.seconds = RevocationStep.seconds(clock.now - started)
        if options.keepRunning, case .allShown = report.result {
            finishedReport.withLockedValue { $0 = report }
            summary(report, narrator: narrator, cleaned: nil)
            finished(report)
            keepRunningHelp(report, narrator: narrator)
            while true { try? await Task.sleep(for: .seconds(3600)) }
        }
        await cleanup.parkIfInterrupted()
        let stopped = cleanup.cleanUp()
        await backend.withLockedValue { $0 }?.close()
        summary(report, narrator: narrator, cleaned: stopped)
        finished(report)
        return report
    }

    /// Everything between making the directory and the cleanup.
    private func story(
        directory: String, narrator: Narrator, progress: Progress, report: inout DemoReport
    ) async throws(DemoError) {
        let style = options.style
        narrator.say(style.bold("staple demo") + ": OCSP stapling end to end, on loopback, with a throwaway PKI.")
        narrator.note("Working in \(directory) ($DEMO below); it is removed at the end, and on Ctrl-C.")
        let runner = ToolRunner(directory: directory, cleanup: cleanup, progress: progress)
        let openssl = try ToolRunner.require("openssl", package: "openssl")
        let nginx: DemoContext.Nginx =
            options.skipNginx ? .notWanted : ToolRunner.which("nginx").map { .installed($0) } ?? .notInstalled

        let respondPort = try PortProbe.freePort()
        let pki = try await DemoPKI.make(
            in: "\(directory)/pki", ocspURL: "http://127.0.0.1:\(respondPort)/", openssl: openssl, runner: runner)
        narrator.say()
        narrator.say(
            "Made with openssl in $DEMO/pki: a root CA, an issuing CA (openssl ca, with its index.txt), a delegated")
        narrator.say(
            "OCSP responder (id-kp-OCSPSigning, ocsp-nocheck), and leaves whose OCSP URL is http://127.0.0.1:\(respondPort)/:"
        )
        narrator.say(
            "\(pki.site.name), \(pki.mustStaple.name) (Must-Staple), \(pki.revoked.name) (revoked in index.txt), \(pki.other.name)."
        )

        let backend: DemoBackend
        do {
            backend = try await DemoBackend()
        } catch {
            throw DemoError(.cannotStart, subject: "backend", reason: "cannot listen on 127.0.0.1: \(error)")
        }
        self.backend.withLockedValue { $0 = backend }

        let respondArguments = [
            "respond", "--ca", pki.intermediatePath, "--index", pki.indexPath, "--signer", pki.responderPath,
            "--signer-key", pki.responderKeyPath, "--listen", "127.0.0.1:\(respondPort)",
            "--validity", DemoTiming.responderValidity, "--refresh", DemoTiming.responderRefresh,
            "--poll-interval", DemoTiming.responderPollInterval, "--drain", "1",
        ]
        let respond = try startServer(
            respondArguments, label: "staple respond", log: "\(directory)/logs/respond.log")
        try await PortProbe.wait(for: respond, port: respondPort, what: "staple respond", progress: progress)
        report.respondURL = "http://127.0.0.1:\(respondPort)/"

        let servePort = try PortProbe.freePort()
        let serveArguments =
            ["serve", "--listen", "127.0.0.1:\(servePort)"]
            + [pki.site, pki.mustStaple, pki.revoked].flatMap { ["--cert", $0.chainPath, "--key", $0.keyPath] }
            + [
                "--backend", "127.0.0.1:\(backend.port)",
                "--min-refresh-interval", "\(DemoTiming.serveMinimumRefreshInterval)",
                "--retry-after", "\(DemoTiming.serveRetryAfter)", "--drain", "1",
            ]
        let serve = try startServer(serveArguments, label: "staple serve", log: "\(directory)/logs/serve.log")
        try await PortProbe.wait(for: serve, port: servePort, what: "staple serve", progress: progress)
        report.serveAddress = "127.0.0.1:\(servePort)"
        narrator.say()
        narrator.say("Started, from this same executable (logs in $DEMO/logs):")
        narrator.say("   " + style.command("$ " + ShellWords.join(respond.commandLine, directory: directory)))
        narrator.say("   " + style.command("$ " + ShellWords.join(serve.commandLine, directory: directory)))
        narrator.note(
            "serve fetched the staples from respond before it began to listen; the backend is a small page in this process."
        )

        let context = DemoContext(
            staple: options.staple, openssl: openssl, nginx: nginx, directory: directory, pki: pki,
            respondPort: respondPort, servePort: servePort, runner: runner, narrator: narrator, cleanup: cleanup)
        report.steps.append(try await FirstHandshakeStep.run(context))
        report.steps.append(try await RevocationStep.run(context))
        let (files, fetch) = try await BadStaplesStep.makeFiles(context)
        do {
            report.steps.append(try await BadStaplesStep.run(context, files: files, fetch: fetch))
        } catch  where error.code == .nginxFailed {
            var step = StepReport(id: "bad-staples", title: BadStaplesStep.title, outcome: .notShown)
            step.fail("nginx is installed but could not be started: \(error.message)")
            narrator.outcome(step)
            report.steps.append(step)
        }
        report.steps.append(try await LintStep.run(context, files: files))
        for child in [respond, serve] where !child.isRunning {
            var step = StepReport(id: "servers", title: "respond and serve stayed up", outcome: .notShown)
            step.fail("\(child.name) exited during the story: \(child.tail())")
            report.steps.append(step)
        }
    }

    private func startServer(_ arguments: [String], label: String, log: String) throws(DemoError) -> ChildProcess {
        let child = try ChildProcess(options.staple, arguments, label: label, outputPath: log)
        cleanup.track(child)
        return child
    }

    private func summary(_ report: DemoReport, narrator: Narrator, cleaned: [String]?) {
        let style = options.style
        narrator.say()
        let seconds = String(format: "%.1f", report.seconds)
        switch report.result {
        case .allShown:
            narrator.say(style.bold(style.good("Every step showed what it should")) + " (\(seconds) s):")
        case .stepNotShown(let ids):
            narrator.say(style.bold(style.bad("Not shown: \(ids.joined(separator: ", "))")) + " (\(seconds) s):")
        case .couldNotStart:
            break
        }
        for (number, step) in report.steps.enumerated() {
            let mark =
                switch step.outcome {
                case .shown: style.good("shown  ")
                case .skipped: style.warn("skipped")
                case .notShown: style.bad("NOT    ")
                }
            narrator.say("  \(mark) \(number + 1). \(step.title)")
        }
        if let cleaned {
            narrator.note(
                "Cleaned up: stopped \(cleaned.isEmpty ? "nothing" : cleaned.joined(separator: ", ")); removed \(report.directory)."
            )
        }
    }

    private func keepRunningHelp(_ report: DemoReport, narrator: Narrator) {
        let directory = report.directory
        let pki = "\(directory)/pki"
        let serve = report.serveAddress ?? "127.0.0.1:?"
        let port = serve.split(separator: ":").last.map(String.init) ?? "?"
        narrator.say()
        narrator.say(
            options.style.bold("staple respond and staple serve keep running")
                + " (Ctrl-C stops them and removes \(directory)). Try:")
        for line in [
            "curl --cert-status --cacert \(pki)/root.pem --resolve demo.staple.test:\(port):127.0.0.1 https://demo.staple.test:\(port)/",
            "openssl s_client -connect \(serve) -servername demo.staple.test -status -CAfile \(pki)/root.pem </dev/null",
            "\(options.staple) check demo.staple.test:\(port) --connect 127.0.0.1 --ca-file \(pki)/root.pem --warning-hours 0.1 --critical-hours 0.05",
            "openssl ocsp -url \(report.respondURL ?? "") -issuer \(pki)/intermediate.pem -cert \(pki)/demo.pem -CAfile \(pki)/root.pem -verify_other \(pki)/intermediate.pem",
            "openssl ca -config \(pki)/ca.cnf -revoke \(pki)/demo.pem    # then watch the three above change",
        ] {
            narrator.say("  " + options.style.command(line))
        }
        narrator.say("Logs: \(directory)/logs/respond.log, \(directory)/logs/serve.log")
    }

    /// A new private directory under the system's temporary directory.
    static func makeDirectory() throws(DemoError) -> String {
        let base = (NSTemporaryDirectory() as NSString).standardizingPath
        var template = Array("\(base)/staple-demo-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw DemoError(.directoryFailed, subject: base, reason: "mkdtemp: \(String(cString: strerror(errno)))")
        }
        let path = String(cString: made)
        do {
            try FileManager.default.createDirectory(atPath: "\(path)/logs", withIntermediateDirectories: true)
        } catch {
            throw DemoError(.directoryFailed, subject: path, reason: "\(error)")
        }
        return path
    }
}
