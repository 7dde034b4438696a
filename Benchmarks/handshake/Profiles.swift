import Foundation
import StapleTestSupport
import TLSStapling

/// Profiles of `staple serve` under the status load: where its CPU time goes (`perf record -g`,
/// sampling the software clock), and how many instructions a handshake costs (`valgrind
/// --tool=callgrind`), which does not depend on the machine's load.
enum Profiles {
    /// Samples the processes `pids` with `perf record -g` while `load` runs, then writes the report's top (by shared
    /// object, then by symbol) to `<directory>/<name>.txt`.
    static func perf(pids: [Int32], name: String, directory: String, load: () throws -> Void) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let data = "\(directory)/\(name).data"
        let recorder = try SystemTools.makeProcess(
            "perf", ["record", "-e", "cpu-clock", "-F", "2000", "-g", "-p", pids.map(String.init).joined(separator: ","), "-o", data])
        recorder.standardOutput = FileHandle.nullDevice
        recorder.standardError = FileHandle.nullDevice
        try recorder.run()
        Thread.sleep(forTimeInterval: 1)  // perf attaches
        try load()
        kill(recorder.processIdentifier, SIGINT)
        recorder.waitUntilExit()
        let byObject = try SystemTools.run(
            "perf", ["report", "-i", data, "--stdio", "--no-children", "--sort", "dso", "-g", "none"])
        let bySymbol = try SystemTools.run(
            "perf",
            ["report", "-i", data, "--stdio", "--no-children", "--sort", "dso,symbol", "-g", "none", "--percent-limit", "0.4"])
        let text = "# perf record -e cpu-clock -F 2000 -g -p PIDS, \(name)\n\n"
            + strip(byObject) + "\n" + strip(bySymbol)
        try text.write(toFile: "\(directory)/\(name).txt", atomically: true, encoding: .utf8)
        try? FileManager.default.removeItem(atPath: data)
    }

    /// perf's report without its comment header lines and blank lines.
    private static func strip(_ report: String) -> String {
        report.split(separator: "\n", omittingEmptySubsequences: true)
            .filter { !$0.hasPrefix("#") || $0.hasPrefix("# Overhead") }
            .joined(separator: "\n") + "\n"
    }

    /// Instructions per handshake of `staple serve` run under callgrind: counters zeroed after a
    /// warm-up, `count` status handshakes, counters dumped. Writes the annotated top to
    /// `<directory>/<name>.txt` and returns the instructions per handshake.
    static func callgrind(
        executable: String, fixture: BenchFixture, backendPort: Int, version: TLSVersion, count: Int,
        name: String, directory: String
    ) async throws -> Double {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let output = "\(directory)/\(name).callgrind"
        let port = try SystemTools.freePort()
        let serve = try await ListeningProcess(
            "valgrind",
            [
                "--tool=callgrind", "--callgrind-out-file=\(output)", "--dump-instr=no", executable,
                "serve", "--listen", "127.0.0.1:\(port)", "--cert", fixture.chainPath, "--key", fixture.keyPath,
                "--backend", "127.0.0.1:\(backendPort)", "--state-dir", fixture.stateDirectory, "--startup-wait", "0",
                "--log-level", "critical",
            ], port: port, logPath: "\(directory)/\(name).log", stopSignal: SIGTERM)
        defer { serve.stop() }
        _ = try OpenSSLLoad.statusLoops(port: port, version: version, loops: 1, count: 10)
        try SystemTools.run("callgrind_control", ["-z", "\(serve.pid)"])
        let outcome = try OpenSSLLoad.statusLoops(port: port, version: version, loops: 1, count: count)
        try SystemTools.run("callgrind_control", ["-d", "\(serve.pid)"])
        // The dump after zeroing is `<output>.1`.
        let dump = "\(output).1"
        let annotated = try SystemTools.run("callgrind_annotate", ["--inclusive=no", "--threshold=90", dump])
        let lines = annotated.split(separator: "\n")
        guard let total = lines.first(where: { $0.contains("PROGRAM TOTALS") }),
            let instructions = Double(total.split(separator: " ")[0].replacingOccurrences(of: ",", with: ""))
        else {
            throw ToolError(description: "no PROGRAM TOTALS in callgrind_annotate's output: \(annotated.prefix(500))")
        }
        let perHandshake = instructions / Double(outcome.handshakes)
        let header = "# valgrind --tool=callgrind staple serve, \(name): \(outcome.handshakes) handshakes "
            + "(\(outcome.stapled) stapled), \(String(format: "%.0f", perHandshake)) instructions per handshake\n\n"
        try (header + lines.prefix(70).joined(separator: "\n") + "\n")
            .write(toFile: "\(directory)/\(name).txt", atomically: true, encoding: .utf8)
        return perHandshake
    }
}
