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
        var sources: [SignalSource] = []
    }

    /// A dispatch signal source kept alive for the run.
    private struct SignalSource: @unchecked Sendable {
        // @unchecked: a DispatchSource is a thread-safe object; this only keeps a reference.
        let source: any DispatchSourceSignal
    }
    private let state = NIOLockedValueBox(State())

    package init() {}

    /// Stops `child` when the demo ends, unless it has exited by then.
    package func track(_ child: ChildProcess) {
        state.withLockedValue { $0.children.append(child) }
    }

    /// Removes `path` (recursively) when the demo ends.
    package func track(directory path: String) {
        state.withLockedValue { $0.directories.append(path) }
    }

    /// Whether ``cleanUp()`` has run.
    package var isDone: Bool { state.withLockedValue { $0.done } }

    /// Stops the children still running, newest first (serve before the responder it asks), and
    /// removes the directories. Returns what it stopped, for the closing message; empty the second time.
    @discardableResult
    package func cleanUp() -> [String] {
        let (children, directories) = state.withLockedValue { state -> ([ChildProcess], [String]) in
            guard !state.done else { return ([], []) }
            state.done = true
            return (state.children, state.directories)
        }
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
            source.setEventHandler { handler(number) }
            source.resume()
            sources.append(SignalSource(source: source))
        }
        state.withLockedValue { $0.sources += sources }
    }
}
