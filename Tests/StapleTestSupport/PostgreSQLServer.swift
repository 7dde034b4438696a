import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private PostgreSQL 15 server for one test, started as TESTING-NOTES.md says: a temporary
/// directory owned by `postgres` (the server refuses to run as root), `initdb -A trust -U staple`,
/// then `pg_ctl` listening on 127.0.0.1 only, on a free port, with its socket in that directory.
/// Never the system cluster on 5432.
package final class PostgreSQLServer: @unchecked Sendable {
    // @unchecked: every stored property is set once in init.
    /// Debian's PostgreSQL 15 programs.
    package static let binDirectory = "/usr/lib/postgresql/15/bin"
    /// Why a test that needs PostgreSQL is skipped when it is missing (outside CI only).
    package static let missingReason =
        "needs PostgreSQL 15 (apt-get install postgresql; the tests start their own server and never use the system cluster); under CI=true it fails instead"

    /// Whether PostgreSQL 15 is installed.
    package static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: "\(binDirectory)/initdb")
            && FileManager.default.isExecutableFile(atPath: "\(binDirectory)/psql")
    }

    /// Whether tests needing PostgreSQL run: always under CI (so that a missing server fails loudly),
    /// otherwise when it is installed.
    package static var testsEnabled: Bool { SystemTools.isCI || isInstalled }

    package let port: Int
    /// Holds the data directory, the socket and the log.
    package let directory: String
    private var dataDirectory: String { "\(directory)/data" }
    private var logPath: String { "\(directory)/postgresql.log" }
    /// Server settings added to the command line (`-c name=value`), e.g. TLS (``init(tls:)``).
    private let settings: [String]

    /// Creates a cluster and starts it.
    ///
    /// - Parameter tls: a server certificate and key: the server also accepts TLS (`ssl=on`); see
    ///   `PostgreSQLServer+TLS.swift`.
    package init(tls: TLSFiles? = nil) throws {
        guard Self.isInstalled else {
            throw ToolError(description: "PostgreSQL 15 is not installed at \(Self.binDirectory) (apt-get install postgresql)")
        }
        directory = try TemporaryDirectory.make(prefix: "staple-pg")
        port = try SystemTools.freePort()
        // The directory above the data directory must be the postgres user's (mktemp-like dirs are 0700).
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        if getuid() == 0 { try SystemTools.run("chown", ["postgres:postgres", directory]) }
        settings = try tls.map { [directory] in try $0.install(in: directory) } ?? []
        try runAsServerUser("initdb", ["-D", dataDirectory, "-A", "trust", "-U", "staple", "--no-sync", "-E", "UTF8"])
        try start()
    }

    /// The URL `staple serve --store` takes (no TLS: loopback).
    package var url: String { "postgresql://staple@127.0.0.1:\(port)/postgres?sslmode=disable" }

    /// Starts the server (again, after ``stop()``) and waits until it accepts connections.
    package func start() throws {
        try runAsServerUser(
            "pg_ctl",
            [
                "-D", dataDirectory, "-o",
                (["-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off"] + settings.map { "-c \($0)" })
                    .joined(separator: " "),
                "-l", logPath, "-w", "start",
            ])
    }

    /// Stops the server (fast: open connections are closed).
    package func stop() throws {
        try runAsServerUser("pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "stop"])
    }

    /// Runs `sql` with psql and returns its unaligned, tuples-only output (`-At`), trimmed.
    @discardableResult
    package func psql(_ sql: String) throws -> String {
        try SystemTools.run(
            "\(Self.binDirectory)/psql",
            ["-h", "127.0.0.1", "-p", "\(port)", "-U", "staple", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql]
        ).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// What the server logged.
    package var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Stops the server if it runs and removes its directory.
    package func remove() {
        if FileManager.default.fileExists(atPath: "\(dataDirectory)/postmaster.pid") { try? stop() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs a server program as `postgres` (when root), through bash (dash takes one-digit descriptors only), which first closes every
    /// descriptor above 2. The server `pg_ctl` starts would otherwise inherit the socket by which
    /// Foundation's `Process` learns that its child exited, and `waitUntilExit()` would wait for the
    /// server to stop; its output goes to a file, not a pipe, for the same reason.
    private func runAsServerUser(_ program: String, _ arguments: [String]) throws {
        let path = "\(Self.binDirectory)/\(program)"
        let command = getuid() == 0 ? ["runuser", "-u", "postgres", "--", path] + arguments : [path] + arguments
        let closing = #"for fd in /proc/self/fd/*; do n=${fd##*/}; if [ "$n" -gt 2 ] && [ -e "/proc/self/fd/$n" ]; then eval "exec $n>&-"; fi; done; exec "$@""#
        let execution = try SystemTools.execute(
            "/bin/bash", ["-c", closing, "bash"] + command, in: directory, outputFile: "\(directory)/\(program).out")
        guard execution.status == 0 else {
            throw ToolError(description: "\(program) \(arguments.joined(separator: " ")) exited \(execution.status): \(execution.stdout)")
        }
    }
}
