import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `staple serve` run as a separate process, as an operator runs it.
public final class ServeProcess: Sendable {
    public let port: Int
    private let process: ListeningProcess

    /// The `staple` executable built next to the test bundle.
    public static let executable: String = {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return products.appendingPathComponent("staple").path
    }()

    /// Starts `staple serve --listen 127.0.0.1:<free port>` with `arguments` and waits until it listens
    /// (the start-up wait for staples is part of that).
    public init(_ arguments: [String], directory: String, port: Int? = nil) async throws {
        let port = try port ?? SystemTools.freePort()
        self.port = port
        process = try await ListeningProcess(
            Self.executable, ["serve", "--listen", "127.0.0.1:\(port)", "--log-level", "debug"] + arguments, port: port,
            logPath: "\(directory)/serve-\(port)-\(UUID().uuidString.prefix(8)).log", stopSignal: SIGTERM)
    }

    public var log: String { process.log }
    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.pid }

    /// Resident memory in KiB, from /proc.
    public var residentKiB: Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        return line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
            ?? 0
    }

    public func signal(_ signal: Int32) { process.signal(signal) }

    /// SIGTERM, then waits for the exit status.
    @discardableResult
    public func stop() -> Int32 { process.stop() }
}
