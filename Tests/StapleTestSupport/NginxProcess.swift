import Foundation
import LoopbackServers

#if canImport(Glibc)
    import Glibc
#endif

/// A private nginx (Debian's, configured by ``PrivateNginxConfiguration``) under its own prefix
/// directory: no master configuration, no system paths, in the foreground, listening on one
/// loopback port.
package final class NginxProcess: Sendable {
    package let port: Int
    /// The prefix directory: `nginx.conf`, `logs/`, `tmp/`.
    package let root: String
    private let configuration: PrivateNginxConfiguration
    private let process: ListeningProcess

    /// Writes `<root>/nginx.conf` and starts nginx, waiting until it listens on `port`.
    ///
    /// - Parameters:
    ///   - workers: worker processes; nil runs nginx as one process (`master_process off`).
    ///   - http: the inside of the `http` block after the common settings (temp paths, no access log):
    ///     `server` blocks that listen on `127.0.0.1:<port>`, upstreams.
    package init(root: String, port: Int, workers: Int? = nil, http: String) async throws {
        self.port = port
        self.root = root
        configuration = PrivateNginxConfiguration(root: root, workers: workers, http: http)
        try configuration.write()
        // One process: SIGKILL (started from a Swift concurrency thread, it inherits that thread's
        // blocked signal mask and may never see SIGQUIT). With workers: SIGQUIT, nginx's graceful stop,
        // which also ends the workers (a killed master would leave them listening).
        process = try await ListeningProcess(
            "nginx", configuration.arguments, port: port, logPath: "\(root)/logs/output.log",
            stopSignal: workers == nil ? SIGKILL : SIGQUIT)
    }

    /// A `server` block that terminates TLS 1.2 and 1.3 on `127.0.0.1:port` with a certificate and
    /// stapling from `staplePath` (`ssl_stapling_file`), then `body` (locations, `return`).
    ///
    /// - Parameters:
    ///   - chainPath: the leaf then its chain (PEM); `keyPath` its key.
    package static func stapledServer(
        port: Int, chainPath: String, keyPath: String, staplePath: String, body: String
    ) -> String {
        PrivateNginxConfiguration.stapledServer(
            port: port, chainPath: chainPath, keyPath: keyPath, staplePath: staplePath, body: body)
    }

    /// nginx's error log so far.
    package var errorLog: String { configuration.errorLog }

    /// Stops it and waits for it to exit. Safe to call twice.
    package func stop() { process.stop() }
}
