import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import OCSPResponder

/// A responder running in this process on 127.0.0.1 (a free port), with its index watcher, and
/// its log kept for assertions.
final class RunningResponder: Sendable {
    let port: Int
    let state: ResponderState
    let server: ResponderServer
    let reloader: IndexReloader
    let log: CapturedLog
    private let polling: PollingThread

    var url: String { "http://127.0.0.1:\(port)" }

    init(
        _ sources: [AuthorityFiles], policy: ResponderPolicy = ResponderPolicy(),
        limits: ResponderLimits = ResponderLimits()
    ) async throws {
        let log = CapturedLog()
        let logger = Logger(label: "test.respond") { _ in log.handler }
        let (snapshot, stamps, _) = try IndexReloader.initialSnapshot(sources: sources, policy: policy, now: Date())
        state = ResponderState(snapshot: snapshot)
        server = ResponderServer(
            state: state, limits: limits, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        port = try await server.start(host: "127.0.0.1", port: 0)
        reloader = IndexReloader(state: state, sources: sources, stamps: stamps, logger: logger)
        self.log = log
        // Its own thread, as in `staple respond` its own task: the tests' blocking calls (openssl,
        // waiting for processes) occupy the cooperative pool and must not delay the watcher.
        polling = PollingThread(reloader)
    }

    func stop() async {
        polling.stop()
        await server.drain()
    }
}

/// Calls `reloader.poll()` every 100 ms on a thread of its own until stopped.
final class PollingThread: Sendable {
    private let running = NIOLockedValueBox(true)

    init(_ reloader: IndexReloader) {
        let running = self.running
        Thread.detachNewThread {
            while running.withLockedValue({ $0 }) {
                usleep(100_000)
                reloader.poll()
            }
        }
    }

    func stop() { running.withLockedValue { $0 = false } }
}

/// Log lines, kept in memory.
final class CapturedLog: Sendable {
    private let lines = NIOLockedValueBox<[String]>([])

    var text: String { lines.withLockedValue { $0.joined(separator: "\n") } }

    var handler: any LogHandler { Handler(sink: self) }

    func append(_ line: String) { lines.withLockedValue { $0.append(line) } }

    private struct Handler: LogHandler {
        let sink: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            sink.append("\(event.level) \(event.message) \(rendered)")
        }
    }
}
