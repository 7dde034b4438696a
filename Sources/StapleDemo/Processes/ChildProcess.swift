import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#endif

/// A program the demo started: `staple respond`, `staple serve`, nginx, or a tool run to completion.
///
/// Spawned with `posix_spawn` with an empty signal mask and default signal dispositions, so it
/// reacts to SIGTERM and SIGINT as it would from a shell, whatever this process blocks or ignores
/// (the demo ignores SIGINT and SIGTERM to clean up itself). Standard input is `/dev/null`;
/// standard output and error go to files. Reaping is done once, under a lock, so the signal-handling
/// cleanup and the story may both ask.
package final class ChildProcess: Sendable {
    package let pid: pid_t
    /// The program's name, for messages.
    package let name: String
    package let commandLine: [String]
    package let outputPath: String
    package let errorPath: String
    /// The exit status once reaped: the exit code, or 128 + the signal.
    private let reaped = NIOLockedValueBox<Int32?>(nil)

    /// Starts `executable` (a full path) with `arguments`.
    ///
    /// - Parameters:
    ///   - label: its name in messages (`staple serve`); default: the program's file name.
    ///   - outputPath: standard output (created or truncated); `errorPath` standard error (the same file when nil).
    /// - Throws: ``DemoError`` `cannotStart` when posix_spawn fails.
    package init(
        _ executable: String, _ arguments: [String], label: String? = nil, outputPath: String, errorPath: String? = nil
    ) throws(DemoError) {
        name = label ?? (executable as NSString).lastPathComponent
        commandLine = [executable] + arguments
        self.outputPath = outputPath
        self.errorPath = errorPath ?? outputPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if let errorPath {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        // Nothing else is inherited: a pipe of whoever started the demo, held open by a server
        // the demo started, would keep that reader waiting.
        Self.closeInheritedDescriptors(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = commandLine.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child = pid_t()
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw DemoError(
                .cannotStart, subject: executable, reason: "could not be started: \(String(cString: strerror(result)))")
        }
        pid = child
    }

    /// The exit status if it has exited (reaping it), nil while it runs.
    package func poll() -> Int32? {
        reaped.withLockedValue { reaped in
            if let reaped { return reaped }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                reaped = Self.decode(status)
            } else if result < 0 {
                reaped = -1  // not our child any more: gone
            }
            return reaped
        }
    }

    package var isRunning: Bool { poll() == nil }

    /// Waits for it to exit, checking every 20 ms; nil when `timeout` passes first.
    package func wait(timeout: Duration, progress: (@Sendable (Duration) -> Void)? = nil) async -> Int32? {
        let clock = ContinuousClock()
        let start = clock.now
        while clock.now - start < timeout {
            if let status = poll() { return status }
            progress?(clock.now - start)
            try? await Task.sleep(for: .milliseconds(20))
        }
        return poll()
    }

    /// Sends `signal` unless it has exited.
    package func send(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// SIGTERM, then SIGKILL if it is still running after `grace`; returns once it is reaped. Safe
    /// to call from any thread, and twice. Blocking (the signal-handling cleanup has no event loop).
    package func stopNow(grace: TimeInterval = 3) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            if poll() != nil { return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        while poll() == nil { usleep(10_000) }
    }

    /// What it wrote to standard output so far.
    package var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    /// What it wrote to standard error so far (the same as ``output`` when they share a file).
    package var errors: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// The last `count` lines of its output and errors, for a message.
    package func tail(_ count: Int = 8) -> String {
        let text = outputPath == errorPath ? output : output + errors
        return text.split(separator: "\n").suffix(count).joined(separator: "\n")
    }

    /// Adds "close every descriptor from 3 up" to `actions`: glibc's
    /// `posix_spawn_file_actions_addclosefrom_np` (2.34+, which Swift does not import), found at run
    /// time; else one close per descriptor open now (glibc ignores a close of one closed since).
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
            if closeFrom(&actions, 3) == 0 { return }
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap(Int32.init) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
    }

    /// `WIFEXITED`/`WEXITSTATUS`/`WTERMSIG`, which Swift cannot import (function-like macros).
    static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
