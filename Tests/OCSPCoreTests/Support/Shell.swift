import Foundation
import Testing

/// Running the real `openssl` CLI from tests.
enum Shell {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        var combined: String { stdout + stderr }
    }

    /// Runs `executable` with `arguments` in `directory` and waits for it.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path(of: executable))
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes before waiting so a chatty child cannot block on a full pipe.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self)
        )
    }

    /// Runs `openssl` and fails the test with its output when it exits non-zero.
    @discardableResult
    static func openssl(_ arguments: [String], in directory: URL) throws -> Output {
        let output = try run("openssl", arguments, in: directory)
        if output.status != 0 {
            throw ShellError(description: "openssl \(arguments.joined(separator: " ")) exited \(output.status): \(output.combined)")
        }
        return output
    }

    /// The absolute path of a program on PATH.
    ///
    /// A missing program is an error that names the Debian package; under `CI=true` that error is a
    /// test failure, never a skip (the tests that call this have no other way to pass).
    static func path(of executable: String) throws -> String {
        if executable.hasPrefix("/") { return executable }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(executable)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        let package = ["openssl": "openssl", "nginx": "nginx", "haproxy": "haproxy", "socat": "socat"][executable] ?? executable
        throw ShellError(description: "`\(executable)` is not installed: apt-get install \(package) (the tests use the real one)")
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("staple-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

struct ShellError: Error, CustomStringConvertible {
    var description: String
}
