import Foundation

/// The configuration of Debian's nginx run privately: its own prefix directory, in the foreground,
/// no system paths (pid, logs and every `*_temp_path` under ``root``), servers on loopback ports.
///
/// The one writer of such a configuration for `staple demo` and for the tests and benchmarks; each
/// starts nginx with ``arguments`` through its own process runner and waits for its ports.
package struct PrivateNginxConfiguration: Sendable, Hashable {
    /// The prefix directory: `nginx.conf`, `logs/`, `tmp/`.
    package var root: String
    /// Worker processes; nil runs nginx as one process (`master_process off`).
    package var workers: Int?
    package var workerConnections: Int
    /// The inside of the `http` block after the common settings (temp paths, no access log):
    /// `server` blocks that listen on `127.0.0.1:<port>`, upstreams.
    package var http: String

    package init(root: String, workers: Int? = nil, workerConnections: Int = 4096, http: String) {
        self.root = root
        self.workers = workers
        self.workerConnections = workerConnections
        self.http = http
    }

    /// `<root>/nginx.conf`.
    package var path: String { "\(root)/nginx.conf" }
    /// `<root>/logs/error.log`: nginx's own words, from before the configuration is read (`-e`) on.
    package var errorLogPath: String { "\(root)/logs/error.log" }

    /// nginx's command line after the program: `-p <root> -c <root>/nginx.conf -e <error log>`.
    package var arguments: [String] { ["-p", root, "-c", path, "-e", errorLogPath] }

    /// The text of `nginx.conf`.
    package var text: String {
        let processes = workers.map { "worker_processes \($0);" } ?? "master_process off;"
        return """
            daemon off;
            \(processes)
            pid \(root)/nginx.pid;
            error_log \(errorLogPath);
            events { worker_connections \(workerConnections); }
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
    }

    /// Makes `logs/` and `tmp/` under ``root`` and writes ``path`` (atomically).
    ///
    /// - Throws: ``LoopbackError`` `writeFailed` naming the directory or file.
    package func write() throws(LoopbackError) {
        for directory in ["\(root)/logs", "\(root)/tmp"] {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw LoopbackError(.writeFailed, subject: directory, reason: "cannot be created: \(error)")
            }
        }
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw LoopbackError(.writeFailed, subject: path, reason: "cannot be written: \(error)")
        }
    }

    /// nginx's error log so far ("" when there is none yet).
    package var errorLog: String { (try? String(contentsOfFile: errorLogPath, encoding: .utf8)) ?? "" }

    /// A `server` block that terminates TLS 1.2 and 1.3 on `127.0.0.1:port` with a certificate and
    /// stapling from `staplePath` (`ssl_stapling_file`), then `body` (locations, `return`).
    ///
    /// - Parameters:
    ///   - chainPath: the leaf then its chain (PEM); `keyPath` its key.
    ///   - comment: a line above the block, for a reader of the file.
    package static func stapledServer(
        port: Int, chainPath: String, keyPath: String, staplePath: String, body: String, comment: String? = nil
    ) -> String {
        let heading = comment.map { "    # \($0)\n" } ?? ""
        return heading + """
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
}
