import Foundation
import StapleTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `staple serve` run as a separate process, as an operator runs it.
final class ServeProcess: Sendable {
    let port: Int
    private let process: ListeningProcess

    /// The `staple` executable built next to the test bundle.
    static let executable: String = {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return products.appendingPathComponent("staple").path
    }()

    /// Starts `staple serve --listen 127.0.0.1:<free port>` with `arguments` and waits until it listens
    /// (the start-up wait for staples is part of that).
    init(_ arguments: [String], directory: String, port: Int? = nil) async throws {
        let port = try port ?? SystemTools.freePort()
        self.port = port
        process = try await ListeningProcess(
            Self.executable, ["serve", "--listen", "127.0.0.1:\(port)", "--log-level", "debug"] + arguments, port: port,
            logPath: "\(directory)/serve-\(port)-\(UUID().uuidString.prefix(8)).log", stopSignal: SIGTERM)
    }

    var log: String { process.log }
    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.pid }

    /// Resident memory in KiB, from /proc.
    var residentKiB: Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        return line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
            ?? 0
    }

    func signal(_ signal: Int32) { process.signal(signal) }

    /// SIGTERM, then waits for the exit status.
    @discardableResult
    func stop() -> Int32 { process.stop() }
}

/// `openssl s_client -status` against a port, standard input closed: its output (it exits 0 whatever
/// it printed).
func sClient(port: Int, version: String, serverName: String? = nil, extra: [String] = []) throws -> String {
    try SystemTools.execute(
        "openssl",
        ["s_client", "-connect", "127.0.0.1:\(port)", "-status", version]
            + (serverName.map { ["-servername", $0] } ?? []) + extra
    ).combined
}
