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
    let watcher: IndexWatcher
    let log: CapturedLog
    private let watcherTask: Task<Void, Never>

    var url: String { "http://127.0.0.1:\(port)" }

    init(
        _ sources: [AuthorityFiles], policy: ResponderPolicy = ResponderPolicy(),
        limits: ResponderLimits = ResponderLimits()
    ) async throws {
        let log = CapturedLog()
        let logger = Logger(label: "test.respond") { _ in log.handler }
        let (snapshot, stamps, _) = try IndexWatcher.initialSnapshot(sources: sources, policy: policy, now: Date())
        state = ResponderState(snapshot: snapshot)
        server = ResponderServer(state: state, limits: limits, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        port = try await server.start(host: "127.0.0.1", port: 0)
        let watcher = IndexWatcher(
            state: state, sources: sources, stamps: stamps, pollInterval: .milliseconds(100), logger: logger)
        self.watcher = watcher
        self.log = log
        watcherTask = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                await watcher.poll()
            }
        }
    }

    func stop() async {
        watcherTask.cancel()
        await server.drain()
    }
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
