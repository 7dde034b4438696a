import Dispatch
import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#endif

/// Everything the demo must undo: the child processes it started and its temporary directory.
///
/// One instance per run. ``cleanUp()`` stops every child still running (SIGTERM, then SIGKILL after
/// a grace period) and removes the directories; it runs at the end of the story, on failure, and
/// from the SIGINT/SIGTERM handlers that ``trapSignals(_:)`` installs, and does its work once.
package final class Cleanup: Sendable {
    private struct State {
        var children: [ChildProcess] = []
        var directories: [String] = []
        var done = false
        /// The first ``cleanUp()`` has finished stopping and removing.
        var completed = false
        var interrupted = false
        var sources: [SignalSource] = []
    }

    /// A dispatch signal source kept alive for the run.
    private struct SignalSource: @unchecked Sendable {
        // @unchecked: a DispatchSource is a thread-safe object; this only keeps a reference.
        let source: any DispatchSourceSignal
    }
    private let state = NIOLockedValueBox(State())

    package init() {}

    /// Stops `child` when the demo ends, unless it has exited by then; at once when the cleanup has
    /// already run (a child the story started while a signal was being handled).
    package func track(_ child: ChildProcess) {
        let late = state.withLockedValue { state -> Bool in
            if !state.done { state.children.append(child) }
            return state.done
        }
        if late { child.stopNow(grace: 0.2) }
    }

    /// Removes `path` (recursively) when the demo ends.
    package func track(directory path: String) {
        state.withLockedValue { $0.directories.append(path) }
    }

    /// Whether ``cleanUp()`` has run.
    package var isDone: Bool { state.withLockedValue { $0.done } }

    /// Whether a signal arrived: the handler owns the end of the process from then on.
    package var isInterrupted: Bool { state.withLockedValue { $0.interrupted } }

    /// Suspends the story for good once a signal arrived (the handler cleans up and exits the
    /// process): nothing the story does afterwards may start a child or end the process first.
    package func parkIfInterrupted() async {
        guard isInterrupted else { return }
        while true { try? await Task.sleep(for: .seconds(3600)) }
    }

    /// Stops the children still running, newest first (serve before the responder it asks), and
    /// removes the directories. Returns what it stopped, for the closing message; empty the second
    /// time, which returns only once the first has finished.
    @discardableResult
    package func cleanUp() -> [String] {
        let first = state.withLockedValue { state -> ([ChildProcess], [String])? in
            guard !state.done else { return nil }
            state.done = true
            return (state.children, state.directories)
        }
        guard let (children, directories) = first else {
            // Another caller (the story, or a signal's handler) is at work: return once it is done,
            // so that nobody ends the process with children still running.
            while !state.withLockedValue({ $0.completed }) { usleep(10_000) }
            return []
        }
        defer { state.withLockedValue { $0.completed = true } }
        var stopped: [String] = []
        for child in children.reversed() where child.isRunning {
            child.stopNow()
            stopped.append("\(child.name) (pid \(child.pid))")
        }
        for directory in directories {
            try? FileManager.default.removeItem(atPath: directory)
        }
        return stopped
    }

    /// On SIGINT or SIGTERM: `handler` gets the signal (it cleans up, says so and exits). The
    /// signals are ignored by the process itself and delivered through dispatch sources, so the
    /// handler may do any work; children are spawned with default dispositions (``ChildProcess``).
    package func trapSignals(_ handler: @escaping @Sendable (Int32) -> Void) {
        var sources: [SignalSource] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [state] in
                state.withLockedValue { $0.interrupted = true }
                handler(number)
            }
            source.resume()
            sources.append(SignalSource(source: source))
        }
        state.withLockedValue { $0.sources += sources }
    }
}
