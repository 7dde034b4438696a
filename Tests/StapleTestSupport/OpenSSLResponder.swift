import Foundation

/// A real `openssl ocsp -index` responder on a loopback port, answering from a ``TestPKI``.
///
/// It listens on all addresses (openssl has no bind option), answers one request at a time with
/// HTTP/1.0 and `Connection: close`. Readiness is read from /proc/net/tcp, never by connecting: a bare
/// connection makes `openssl ocsp` spin and never answer again.
package final class OpenSSLResponder: Sendable {
    package let port: Int
    private let process: ListeningProcess

    /// Starts the responder and waits until it listens.
    ///
    /// - Parameters:
    ///   - validity: `-ndays`/`-nmin` arguments (e.g. `["-ndays", "1"]`); empty gives no nextUpdate.
    package init(pki: TestPKI, port: Int? = nil, validity: [String] = ["-ndays", "1"]) async throws {
        let port = try port ?? SystemTools.freePort()
        self.port = port
        process = try await ListeningProcess(
            "openssl",
            [
                "ocsp", "-index", pki.indexPath, "-port", "\(port)", "-rsigner", pki.caPath, "-rkey", pki.caKeyPath,
                "-CA", pki.caPath, "-ignore_err",
            ] + validity,
            port: port, logPath: "\(pki.directory)/ocsp-\(port).log")
    }

    /// The URL to ask, on `host` (default 127.0.0.1).
    package func url(host: String = "127.0.0.1") -> String { "http://\(host):\(port)/" }

    /// Where it writes, and what it wrote so far.
    package var logPath: String { process.logPath }
    package var log: String { process.log }

    /// Stops it and waits for it to exit. Safe to call twice.
    package func stop() { process.stop() }
}

/// Runs `body` with a responder for `pki` and stops it afterwards, whatever happens.
package func withOpenSSLResponder<T>(
    pki: TestPKI, port: Int? = nil, validity: [String] = ["-ndays", "1"], _ body: (OpenSSLResponder) async throws -> T
) async throws -> T {
    let responder = try await OpenSSLResponder(pki: pki, port: port, validity: validity)
    do {
        let result = try await body(responder)
        responder.stop()
        return result
    } catch {
        responder.stop()
        throw error
    }
}
