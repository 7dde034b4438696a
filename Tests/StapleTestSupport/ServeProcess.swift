import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `staple serve` run as a separate process, as an operator runs it.
package final class ServeProcess: Sendable {
    package let port: Int
    private let process: ListeningProcess

    /// The `staple` executable built next to the test bundle.
    package static let executable: String = {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return products.appendingPathComponent("staple").path
    }()

    /// Starts `staple serve --listen 127.0.0.1:<free port>` with `arguments` and waits until it listens
    /// (the start-up wait for staples is part of that).
    package init(_ arguments: [String], directory: String, port: Int? = nil, environment: [String: String] = [:])
        async throws
    {
        let port = try port ?? SystemTools.freePort()
        self.port = port
        process = try await ListeningProcess(
            Self.executable, ["serve", "--listen", "127.0.0.1:\(port)", "--log-level", "debug"] + arguments, port: port,
            logPath: "\(directory)/serve-\(port)-\(UUID().uuidString.prefix(8)).log", stopSignal: SIGTERM,
            environment: environment)
    }

    package var log: String { process.log }
    package var isRunning: Bool { process.isRunning }
    package var pid: Int32 { process.pid }

    /// Resident memory in KiB, from /proc.
    package var residentKiB: Int { ResidentMemory.bytes(of: pid) / 1024 }

    package func signal(_ signal: Int32) { process.signal(signal) }

    /// SIGTERM, then waits for the exit status.
    @discardableResult
    package func stop() -> Int32 { process.stop() }
}
