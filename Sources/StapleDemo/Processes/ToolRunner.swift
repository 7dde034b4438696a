import Foundation

/// A program run to completion: what was run, how it exited, what it printed, how long it took.
package struct ToolRun: Sendable {
    package var commandLine: [String]
    /// The exit code; 128 + the signal when killed; nil when it did not finish in time (it was killed).
    package var status: Int32?
    package var output: String
    package var errors: String
    package var seconds: Double

    package init(commandLine: [String], status: Int32?, output: String, errors: String, seconds: Double) {
        self.commandLine = commandLine
        self.status = status
        self.output = output
        self.errors = errors
        self.seconds = seconds
    }

    /// The exit status for a message: the number, or "killed" when it did not finish in time.
    package var exitShown: String { status.map(String.init) ?? "killed" }

    /// The command as a person would type it, with the temporary directory shortened to `$DEMO`.
    package func shown(directory: String) -> String {
        ShellWords.join(commandLine, directory: directory)
    }
}

/// Runs programs to completion with their output in files under the demo's directory, and finds
/// programs on PATH.
package struct ToolRunner: Sendable {
    /// Where output files go.
    package var directory: String
    package var cleanup: Cleanup
    package var progress: Progress

    package init(directory: String, cleanup: Cleanup, progress: Progress) {
        self.directory = directory
        self.cleanup = cleanup
        self.progress = progress
    }

    /// The full path of `name` on PATH or in the sbin directories, if any.
    package static func which(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin:/usr/local/sbin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// The full path of `name`, or ``DemoError`` `toolMissing` naming the Debian package.
    package static func require(_ name: String, package: String) throws(DemoError) -> String {
        guard let path = which(name) else {
            throw DemoError(.toolMissing, subject: name, reason: "not installed (apt-get install \(package))")
        }
        return path
    }

    /// Runs `executable` to completion (killed after `timeout`), showing `waiting` on the progress line.
    package func run(
        _ executable: String, _ arguments: [String], waiting: String? = nil, timeout: Duration = .seconds(30)
    ) async throws(DemoError) -> ToolRun {
        await cleanup.parkIfInterrupted()
        let stem = "\(directory)/logs/\((executable as NSString).lastPathComponent)-\(UUID().uuidString.prefix(8))"
        let child = try ChildProcess(executable, arguments, outputPath: "\(stem).out", errorPath: "\(stem).err")
        cleanup.track(child)
        let started = ContinuousClock.now
        let progress = self.progress
        let status = await child.wait(timeout: timeout) { elapsed in
            if let waiting { progress.show(waiting, elapsed: elapsed) }
        }
        if waiting != nil { progress.clear() }
        if status == nil { child.stopNow(grace: 0.5) }
        // Killed by the cleanup of a signal: what it printed means nothing.
        await cleanup.parkIfInterrupted()
        let elapsed = ContinuousClock.now - started
        return ToolRun(
            commandLine: child.commandLine, status: status, output: child.output, errors: child.errors,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}

/// Command lines shown to a person.
package enum ShellWords {
    /// `words` joined, quoted where needed, with `directory` written as `$DEMO`.
    package static func join(_ words: [String], directory: String) -> String {
        words.enumerated().map { index, word in
            var shown = word.replacingOccurrences(of: directory, with: "$DEMO")
            if index == 0 { shown = (shown as NSString).lastPathComponent }
            let plain = shown.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=,@$%+".contains($0) }
            return plain ? shown : "'\(shown.replacingOccurrences(of: "'", with: "'\\''"))'"
        }.joined(separator: " ")
    }
}
