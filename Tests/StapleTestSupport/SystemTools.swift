import Foundation
import LoopbackServers
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#endif

/// The one process runner of the tests and benchmarks: finding system programs, running them,
/// and deciding whether a test that needs one may run.
package enum SystemTools {
    /// Whether this run is CI: `CI` is `1`, `true` or `yes` (any case). There, a missing tool fails
    /// the test instead of skipping it.
    package static var isCI: Bool {
        ProcessInfo.processInfo.environment["CI"].map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false
    }

    /// The full path of `name` on PATH or in the sbin directories Debian installs servers to, if any.
    package static func which(_ name: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin:/usr/local/sbin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// The python3 that Debian's `python3-…` packages install modules for: `/usr/bin/python3` when it
    /// exists, else `python3` on PATH. A pyenv or virtualenv `python3` earlier on PATH does not see
    /// `/usr/lib/python3/dist-packages`, where `apt-get install python3-prometheus-client` puts its module.
    package static var debianPython: String {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
    }

    /// Whether tests needing `tools` should run: always under CI (so that a missing tool fails
    /// loudly), otherwise only when every tool is installed.
    package static func shouldRun(needing tools: String...) -> Bool {
        isCI || tools.allSatisfy { which($0) != nil }
    }

    /// Runs a program to completion and returns its standard output; throws with its output when it
    /// exits non-zero.
    @discardableResult
    package static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> String {
        let execution = try execute(executable, arguments, in: directory)
        guard execution.status == 0 else {
            throw ToolError(
                description:
                    "\(([executable] + arguments).joined(separator: " ")) exited \(execution.status): "
                    + execution.combined
            )
        }
        return execution.stdout
    }

    /// What a finished program printed, and how it exited.
    package struct Execution: Sendable, CustomStringConvertible {
        package var status: Int32
        package var stdout: String
        package var stderr: String
        package var combined: String { stdout + stderr }
        package var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
    }

    /// The `staple` executable built beside the running test bundle or benchmark.
    package static let stapleBinary: String = {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [products, products.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("staple")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url.path }
        }
        return products.appendingPathComponent("staple").path
    }()

    /// Runs `executable` (a path, or a name without `/` looked up with ``which(_:)``) to completion, standard input
    /// closed, and returns its status and output whatever the status.
    ///
    /// - Parameter outputFile: send standard output and error to this file instead of pipes (for a
    ///   program that writes more than anyone wants in memory); `stdout` is then the file's text.
    package static func execute(
        _ executable: String, _ arguments: [String], in directory: String? = nil, outputFile: String? = nil
    ) throws -> Execution {
        let process = try makeProcess(executable, arguments, in: directory)
        if let outputFile {
            _ = FileManager.default.createFile(atPath: outputFile, contents: nil)
            let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputFile))
            defer { try? output.close() }
            process.standardOutput = output
            process.standardError = output
            try process.run()
            process.waitUntilExit()
            let text = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
            return Execution(status: process.terminationStatus, stdout: text, stderr: "")
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Standard error is drained on another thread while this one drains standard output, so a
        // child that fills either pipe cannot block.
        let errorData = NIOLockedValueBox(Data())
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let data = err.fileHandleForReading.readDataToEndOfFile()
            errorData.withLockedValue { $0 = data }
            drained.signal()
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        return Execution(
            status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
            stderr: String(decoding: errorData.withLockedValue { $0 }, as: UTF8.self)
        )
    }

    /// A process for `executable` (a path, or a name without `/` looked up with ``which(_:)``), standard input
    /// closed, not started.
    package static func makeProcess(
        _ executable: String, _ arguments: [String], in directory: String? = nil
    ) throws
        -> Process
    {
        guard let path = executable.contains("/") ? executable : which(executable) else {
            throw ToolError(
                description: "\(executable) is not installed (apt-get install \(debianPackage(for: executable)))")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = FileHandle.nullDevice
        return process
    }

    /// The Debian package that ships a program the tests use.
    package static func debianPackage(for executable: String) -> String {
        ["ss": "iproute2", "nginx": "nginx", "haproxy": "haproxy", "openssl": "openssl", "socat": "socat"][executable]
            ?? executable
    }

    /// A free TCP port on the loopback interface (bound, read, released): ``LoopbackPort/free()``.
    package static func freePort() throws -> Int {
        try LoopbackPort.free()
    }

    /// A TCP socket bound to 127.0.0.1 on a port the kernel chose, and that port; the caller owns the fd
    /// (``LoopbackPort/bindAny()``).
    package static func bindLoopback() throws -> (fd: Int32, port: Int) {
        try LoopbackPort.bindAny()
    }
}

/// A loopback port held bound but not listening: connections to it are refused for as long as the
/// reservation lives, and no other test can take the port meanwhile (a port from `freePort()` is
/// released at once and may be reused by a parallel test).
package final class ClosedPort: @unchecked Sendable {
    // @unchecked: `fd` and `port` are set once in init and never change.
    package let port: Int
    private let fd: Int32

    package init() throws {
        (fd, port) = try SystemTools.bindLoopback()
    }

    deinit { close(fd) }
}

/// SplitMix64: a small seeded generator, so that a randomized test's failure can be replayed.
package struct SplitMix64: RandomNumberGenerator {
    package var state: UInt64
    package init(state: UInt64) { self.state = state }
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

package struct ToolError: Error, CustomStringConvertible {
    package var description: String
    package init(description: String) { self.description = description }
}

/// Temporary directories under the system's temporary directory.
package enum TemporaryDirectory {
    /// A new empty directory whose name starts with `prefix`.
    package static func make(prefix: String) throws -> String {
        let name = prefix.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }
        let path = NSTemporaryDirectory() + "/\(String(name))-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return (path as NSString).standardizingPath
    }
}
