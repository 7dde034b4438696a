import StapleTestSupport
import Foundation

/// Running the real `openssl` CLI from tests.
enum Shell {
    /// Runs `executable` in `directory` and returns its status and output.
    @discardableResult
    static func run(
        _ executable: String, _ arguments: [String], in directory: URL? = nil
    ) throws -> SystemTools.Execution {
        try SystemTools.execute(executable, arguments, in: directory?.path)
    }

    /// Runs `openssl` and throws with its output when it exits non-zero.
    ///
    /// A missing `openssl` is an error that names the Debian package; under `CI=true` that error is a
    /// test failure, never a skip (the tests that call this have no other way to pass).
    @discardableResult
    static func openssl(_ arguments: [String], in directory: URL) throws -> SystemTools.Execution {
        let output = try run("openssl", arguments, in: directory)
        if output.status != 0 {
            throw ToolError(
                description: "openssl \(arguments.joined(separator: " ")) exited \(output.status): \(output.combined)")
        }
        return output
    }

    static func temporaryDirectory() throws -> URL {
        URL(fileURLWithPath: try TemporaryDirectory.make(prefix: "staple-test"))
    }
}
