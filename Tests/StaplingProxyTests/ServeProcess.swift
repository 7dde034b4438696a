import StapleTestSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `staple serve` run as a separate process, as an operator runs it.
final class ServeProcess {
    let port: Int
    let logPath: String
    private let process: Process

    /// The `staple` executable built next to the test bundle.
    static let executable: String = {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return products.appendingPathComponent("staple").path
    }()

    /// Starts `staple serve --listen 127.0.0.1:<free port>` with `arguments` and waits until it listens.
    init(_ arguments: [String], directory: String, port: Int? = nil) throws {
        self.port = try port ?? SystemTools.freePort()
        logPath = "\(directory)/serve-\(self.port)-\(UUID().uuidString.prefix(8)).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["serve", "--listen", "127.0.0.1:\(self.port)", "--log-level", "debug"] + arguments
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try waitUntilListening()
    }

    private func waitUntilListening() throws {
        // Bounds a broken environment (the start-up wait for staples is part of it); not a timing assertion.
        for _ in 0..<1_200 {
            guard process.isRunning else {
                throw ToolError(description: "staple serve exited \(process.terminationStatus): \(log)")
            }
            if ((try? SystemTools.run("ss", ["-ltnH", "sport = :\(port)"])) ?? "").contains(":\(port)") { return }
            usleep(50_000)
        }
        stop()
        throw ToolError(description: "staple serve did not listen on \(port): \(log)")
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.processIdentifier }

    /// Resident memory in KiB, from /proc.
    var residentKiB: Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        return line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
            ?? 0
    }

    func signal(_ signal: Int32) { kill(pid, signal) }

    /// SIGTERM, then waits for the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

/// `openssl s_client -status` against a port: its output (it exits 0 whatever it printed).
func sClient(port: Int, version: String, serverName: String? = nil, extra: [String] = []) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: SystemTools.which("openssl") ?? "/usr/bin/openssl")
    process.arguments =
        ["s_client", "-connect", "127.0.0.1:\(port)", "-status", version]
        + (serverName.map { ["-servername", $0] } ?? []) + extra
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    let input = Pipe()
    process.standardInput = input
    try process.run()
    try input.fileHandleForWriting.close()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
