import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real `openssl ocsp -index` responder on a loopback port, answering from a ``TestPKI``.
///
/// It listens on all addresses (openssl has no bind option), answers one request at a time with
/// HTTP/1.0 and `Connection: close`. Readiness is read from `ss -ltn`, never by connecting: a bare
/// connection makes `openssl ocsp` spin and never answer again.
public final class OpenSSLResponder: @unchecked Sendable {
    // @unchecked: `process` is set once in init and only read afterwards; Process is thread-safe
    // for terminate/waitUntilExit.
    public let port: Int
    public let logPath: String
    private let process: Process

    /// Starts the responder and waits until it listens.
    ///
    /// - Parameters:
    ///   - validity: `-ndays`/`-nmin` arguments (e.g. `["-ndays", "1"]`); empty gives no nextUpdate.
    public init(pki: TestPKI, port: Int? = nil, validity: [String] = ["-ndays", "1"]) throws {
        guard let openssl = SystemTools.which("openssl") else {
            throw ToolError(description: "openssl not found on PATH (apt-get install openssl)")
        }
        guard SystemTools.which("ss") != nil else {
            throw ToolError(description: "ss not found on PATH (apt-get install iproute2)")
        }
        self.port = try port ?? SystemTools.freePort()
        logPath = "\(pki.directory)/ocsp-\(self.port).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments =
            [
                "ocsp", "-index", pki.indexPath, "-port", "\(self.port)", "-rsigner", pki.caPath, "-rkey",
                pki.caKeyPath,
                "-CA", pki.caPath, "-ignore_err",
            ] + validity
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try waitUntilListening()
    }

    /// The URL to ask, on `host` (default 127.0.0.1).
    public func url(host: String = "127.0.0.1") -> String { "http://\(host):\(port)/" }

    private func waitUntilListening() throws {
        // Up to 60 s for set-up; this bounds a broken environment, it is not a timing assertion.
        for _ in 0..<1200 {
            guard process.isRunning else {
                throw ToolError(description: "openssl ocsp exited \(process.terminationStatus): \(log)")
            }
            let listening = (try? SystemTools.run("ss", ["-ltnH", "sport = :\(port)"])) ?? ""
            if listening.contains(":\(port)") { return }
            usleep(50_000)
        }
        stop()
        throw ToolError(description: "openssl ocsp did not listen on port \(port): \(log)")
    }

    /// What it wrote so far.
    public var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// Stops it and waits for it to exit. Safe to call twice.
    ///
    /// SIGKILL, not SIGTERM: a child spawned from a Swift concurrency thread inherits that thread's
    /// blocked signal mask, so `openssl ocsp` never sees SIGTERM.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    deinit {
        stop()
    }
}

/// Runs `body` with a responder for `pki` and stops it afterwards, whatever happens.
public func withOpenSSLResponder<T>(
    pki: TestPKI, port: Int? = nil, validity: [String] = ["-ndays", "1"], _ body: (OpenSSLResponder) async throws -> T
) async throws -> T {
    let responder = try OpenSSLResponder(pki: pki, port: port, validity: validity)
    do {
        let result = try await body(responder)
        responder.stop()
        return result
    } catch {
        responder.stop()
        throw error
    }
}
