import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Tells nginx to re-read its configuration and staple files, the way the configuration asks:
/// a shell command (`reload: nginx -s reload`), or SIGHUP to the master whose id is in `pid_file`.
///
/// `nginx -s reload` parses the configuration before signalling, so a refused configuration (a staple
/// file that is missing or not DER) shows as a non-zero exit and nginx's `[emerg]` line on stderr.
/// A bare SIGHUP gives no such answer: only the confirming handshake tells that it worked.
package struct ReloadSignal: Sendable {
    package let method: NginxOutputConfiguration.Reload
    /// How long the command may run before it is killed and the reload counts as failed.
    package let timeout: Duration

    /// Thirty seconds: `nginx -s reload` returns in milliseconds; a command still running is stuck.
    package static let defaultTimeout: Duration = .seconds(30)

    package init(_ method: NginxOutputConfiguration.Reload, timeout: Duration = Self.defaultTimeout) {
        self.method = method
        self.timeout = timeout
    }

    /// `nginx -s reload`, or `SIGHUP to /run/nginx.pid`: for logs and error subjects.
    package var description: String {
        switch method {
        case .command(let command): "reload command `\(command)`"
        case .pidFile(let path): "SIGHUP to the pid in \(path)"
        }
    }

    /// Performs the reload.
    ///
    /// - Throws: ``OutputError`` `.reloadFailed` naming the command (its exit status and standard
    ///   error) or the pid file (unreadable, not a number, no such process).
    package func perform() async throws(OutputError) {
        switch method {
        case .command(let command):
            let result: CommandResult
            do {
                result = try await Self.run(command, timeout: timeout)
            } catch {
                throw OutputError(.reloadFailed, subject: description, reason: "could not run /bin/sh: \(error)")
            }
            if result.timedOut {
                throw OutputError(
                    .reloadFailed, subject: description,
                    reason: "still running after \(timeout), killed; its output: \(result.output)")
            }
            guard result.status == 0 else {
                throw OutputError(
                    .reloadFailed, subject: description,
                    reason: "exited \(result.status): \(result.output.isEmpty ? "(no output)" : result.output)")
            }
        case .pidFile(let path):
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw OutputError(.reloadFailed, subject: path, reason: "cannot read the pid file (is nginx running?)")
            }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let pid = Int32(trimmed), pid > 1 else {
                throw OutputError(
                    .reloadFailed, subject: path, reason: "holds \"\(trimmed.prefix(40))\", not a process id")
            }
            guard kill(pid, SIGHUP) == 0 else {
                let reason = String(cString: strerror(errno))
                throw OutputError(.reloadFailed, subject: path, reason: "SIGHUP to process \(pid) failed: \(reason)")
            }
        }
    }

    struct CommandResult: Sendable {
        var status: Int32
        /// Standard error, then standard output, trimmed.
        var output: String
        var timedOut: Bool
    }

    /// Runs `/bin/sh -c command` on a thread of its own (Process blocks), standard input closed.
    static func run(_ command: String, timeout: Duration) async throws -> CommandResult {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    continuation.resume(returning: try runBlocking(command, timeout: timeout))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private static func runBlocking(_ command: String, timeout: Duration) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        // Both pipes are drained while the command runs, so that a chatty command cannot block.
        let collected = LockedData()
        let drained = DispatchGroup()
        for (index, pipe) in [error, output].enumerated() {
            drained.enter()
            DispatchQueue.global().async {
                collected.set(index, pipe.fileHandleForReading.readDataToEndOfFile())
                drained.leave()
            }
        }
        let (seconds, attoseconds) = timeout.components
        let deadline = DispatchTime.now() + .nanoseconds(Int(seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
        var timedOut = false
        if exited.wait(timeout: deadline) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
        }
        _ = drained.wait(timeout: .now() + 5)
        let text = collected.texts.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        return CommandResult(
            status: process.terminationStatus, output: text.joined(separator: "\n"), timedOut: timedOut)
    }
}

/// Two pipes' contents collected from two threads.
private final class LockedData: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var parts: [Data] = [Data(), Data()]

    func set(_ index: Int, _ data: Data) { lock.withLock { parts[index] = data } }
    var texts: [String] { lock.withLock { parts.map { String(decoding: $0, as: UTF8.self) } } }
}
