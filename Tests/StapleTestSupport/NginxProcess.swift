import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private nginx (Debian's) under its own prefix directory: no master configuration, no system
/// paths, in the foreground, listening on one loopback port.
package final class NginxProcess: Sendable {
    package let port: Int
    /// The prefix directory: `nginx.conf`, `logs/`, `tmp/`.
    package let root: String
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
        for directory in ["logs", "tmp"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(directory)", withIntermediateDirectories: true)
        }
        let processes = workers.map { "worker_processes \($0);" } ?? "master_process off;"
        let configuration = """
            daemon off;
            \(processes)
            pid \(root)/nginx.pid;
            error_log \(root)/logs/error.log;
            events { worker_connections 4096; }
            http {
                access_log off;
                client_body_temp_path \(root)/tmp/body;
                proxy_temp_path \(root)/tmp/proxy;
                fastcgi_temp_path \(root)/tmp/fastcgi;
                uwsgi_temp_path \(root)/tmp/uwsgi;
                scgi_temp_path \(root)/tmp/scgi;
            \(http)
            }

            """
        try configuration.write(toFile: "\(root)/nginx.conf", atomically: true, encoding: .utf8)
        // One process: SIGKILL (started from a Swift concurrency thread, it inherits that thread's
        // blocked signal mask and may never see SIGQUIT). With workers: SIGQUIT, nginx's graceful stop,
        // which also ends the workers (a killed master would leave them listening).
        process = try await ListeningProcess(
            "nginx", ["-p", root, "-c", "\(root)/nginx.conf"], port: port, logPath: "\(root)/logs/output.log",
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
        """
            server {
                listen 127.0.0.1:\(port) ssl;
                ssl_protocols TLSv1.2 TLSv1.3;
                ssl_certificate \(chainPath);
                ssl_certificate_key \(keyPath);
                ssl_stapling on;
                ssl_stapling_file \(staplePath);
                \(body)
            }
        """
    }

    /// nginx's error log so far.
    package var errorLog: String { (try? String(contentsOfFile: "\(root)/logs/error.log", encoding: .utf8)) ?? "" }

    /// Stops it and waits for it to exit. Safe to call twice.
    package func stop() { process.stop() }
}
