import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Running system programs from tests, and deciding whether a test that needs one may run.
public enum SystemTools {
    /// Whether this run is CI (`CI=true`): there, a missing tool fails the test instead of skipping it.
    public static var isCI: Bool {
        ProcessInfo.processInfo.environment["CI"].map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false
    }

    /// The full path of `name` on PATH, if any.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Whether tests needing `tools` should run: always under CI (so that a missing tool fails
    /// loudly), otherwise only when every tool is installed.
    public static func shouldRun(needing tools: String...) -> Bool {
        isCI || tools.allSatisfy { which($0) != nil }
    }

    /// Runs a program to completion and returns its standard output; throws with its standard error
    /// when it exits non-zero.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> String {
        guard let path = executable.hasPrefix("/") ? executable : which(executable) else {
            throw ToolError(
                description: "\(executable) not found on PATH (install it: apt-get install openssl iproute2)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolError(
                description:
                    "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(String(decoding: error, as: UTF8.self))"
            )
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// A free TCP port on the loopback interface (bound, read, released).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ToolError(description: "socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw ToolError(description: "bind: \(errno)") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ToolError(description: "getsockname: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A loopback port held bound but not listening: connections to it are refused for as long as the
/// reservation lives, and no other test can take the port meanwhile (a port from `freePort()` is
/// released at once and may be reused by a parallel test).
public final class ClosedPort: @unchecked Sendable {
    // @unchecked: `fd` and `port` are set once in init and never change.
    public let port: Int
    private let fd: Int32

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ToolError(description: "socket: \(errno)") }
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else {
            close(fd)
            throw ToolError(description: "bind: \(errno)")
        }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}

public struct ToolError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}
