import Foundation
import LoopbackServers

#if canImport(Glibc)
    import Glibc
#endif

/// A server run as a separate process (`openssl ocsp`, `staple serve`, nginx) that the tests and
/// benchmarks talk to over a loopback port: started, awaited until it listens, stopped.
///
/// Its standard output and error go to ``logPath``; its standard input is closed.
package final class ListeningProcess: @unchecked Sendable {
    // @unchecked: every stored property is set once in init; Process is thread-safe for
    // isRunning/terminate/waitUntilExit.
    package let port: Int
    package let logPath: String
    /// What `stop()` sends.
    package let stopSignal: Int32
    private let process: Process
    private let name: String

    /// Starts `executable` and waits until something listens on `port`.
    ///
    /// - Parameters:
    ///   - logPath: where its output goes (created or truncated).
    ///   - stopSignal: SIGKILL by default: a child spawned from a Swift concurrency thread inherits
    ///     that thread's blocked signal mask, so a program like `openssl ocsp` never sees SIGTERM.
    ///   - environment: variables added to (or replacing in) this process's environment.
    package init(
        _ executable: String, _ arguments: [String], port: Int, logPath: String, stopSignal: Int32 = SIGKILL,
        environment: [String: String] = [:]
    ) async throws {
        self.port = port
        self.logPath = logPath
        self.stopSignal = stopSignal
        name = (executable as NSString).lastPathComponent
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process = try SystemTools.makeProcess(executable, arguments)
        if !environment.isEmpty {
            process.environment = (process.environment ?? ProcessInfo.processInfo.environment).merging(environment) {
                $1
            }
        }
        let output = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = output
        process.standardError = output
        try process.run()
        do {
            try await Listening.wait(port: port, what: name, while: { [process] in process.isRunning })
        } catch {
            stop()
            throw ToolError(description: "\(error); its output: \(log)")
        }
    }

    /// What it wrote so far.
    package var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    package var isRunning: Bool { process.isRunning }
    package var pid: Int32 { process.processIdentifier }

    /// Sends `signal` to it.
    package func signal(_ signal: Int32) { kill(pid, signal) }

    /// Sends ``stopSignal`` (unless it has exited) and waits for the exit status. Safe to call twice.
    @discardableResult
    package func stop() -> Int32 {
        if process.isRunning { kill(pid, stopSignal) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        stop()
    }
}

/// Waiting for a listener without connecting to it (a bare connection makes `openssl ocsp` spin and
/// never answer again): ``ListenerWait`` over ``ListenerTable``, which reads `/proc/net/tcp`.
package enum Listening {
    /// Returns once something listens on TCP `port`; throws as soon as `alive` turns false.
    ///
    /// Checks every 50 ms, suspending in between. The 120 s bound catches a broken environment (a
    /// server that neither listens nor exits); it is not a timing assertion.
    package static func wait(port: Int, what: String, while alive: () -> Bool = { true }) async throws {
        switch await ListenerWait.wait(port: port, timeout: .seconds(120), interval: .milliseconds(50), alive: alive) {
        case .listening: return
        case .exited: throw ToolError(description: "\(what) exited before listening on \(port)")
        case .timedOut: throw ToolError(description: "\(what) did not listen on \(port)")
        }
    }

    /// Whether something listens on TCP `port` now.
    package static func isListening(port: Int) -> Bool {
        ListenerTable.isListening(port: port)
    }
}
