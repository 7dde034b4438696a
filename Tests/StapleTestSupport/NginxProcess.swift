import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private nginx (Debian's) under its own prefix directory: no master configuration, no system
/// paths, in the foreground, listening on one loopback port.
public final class NginxProcess: Sendable {
    public let port: Int
    /// The prefix directory: `nginx.conf`, `logs/`, `tmp/`.
    public let root: String
    private let process: ListeningProcess

    /// Writes `<root>/nginx.conf` and starts nginx, waiting until it listens on `port`.
    ///
    /// - Parameters:
    ///   - workers: worker processes; nil runs nginx as one process (`master_process off`).
    ///   - http: the inside of the `http` block after the common settings (temp paths, no access log):
    ///     `server` blocks that listen on `127.0.0.1:<port>`, upstreams.
    public init(root: String, port: Int, workers: Int? = nil, http: String) async throws {
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
        // SIGQUIT: nginx's graceful stop, which also ends its workers.
        process = try await ListeningProcess(
            "nginx", ["-p", root, "-c", "\(root)/nginx.conf"], port: port, logPath: "\(root)/logs/output.log",
            stopSignal: SIGQUIT)
    }

    /// nginx's error log so far.
    public var errorLog: String { (try? String(contentsOfFile: "\(root)/logs/error.log", encoding: .utf8)) ?? "" }

    /// Stops it and waits for it to exit. Safe to call twice.
    public func stop() { process.stop() }
}
