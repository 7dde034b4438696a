import Foundation

/// Debian's nginx run privately: its own prefix directory, in the foreground, one process, no
/// system paths, TLS servers on loopback ports, each with an `ssl_stapling_file`.
package struct PrivateNginx: Sendable {
    /// One `server {}`: its port, certificate chain and key, and the staple file nginx is told to send.
    package struct Site: Sendable {
        package var port: Int
        package var chainPath: String
        package var keyPath: String
        package var staplePath: String
        package var comment: String

        package init(port: Int, chainPath: String, keyPath: String, staplePath: String, comment: String) {
            self.port = port
            self.chainPath = chainPath
            self.keyPath = keyPath
            self.staplePath = staplePath
            self.comment = comment
        }
    }

    package var root: String
    package var sites: [Site]

    package init(root: String, sites: [Site]) {
        self.root = root
        self.sites = sites
    }

    package var configurationPath: String { "\(root)/nginx.conf" }

    /// The configuration: `daemon off`, `master_process off`, pid, logs and temp paths under `root`.
    package var configuration: String {
        let servers = sites.map { site in
            """
                # \(site.comment)
                server {
                    listen 127.0.0.1:\(site.port) ssl;
                    ssl_protocols TLSv1.2 TLSv1.3;
                    ssl_certificate \(site.chainPath);
                    ssl_certificate_key \(site.keyPath);
                    ssl_stapling on;
                    ssl_stapling_file \(site.staplePath);
                    return 200 "nginx\\n";
                }
            """
        }.joined(separator: "\n")
        return """
            daemon off;
            master_process off;
            pid \(root)/nginx.pid;
            error_log \(root)/error.log;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(root)/tmp/body;
                proxy_temp_path \(root)/tmp/proxy;
                fastcgi_temp_path \(root)/tmp/fastcgi;
                uwsgi_temp_path \(root)/tmp/uwsgi;
                scgi_temp_path \(root)/tmp/scgi;
            \(servers)
            }

            """
    }

    /// Writes the configuration and starts nginx; returns once every site's port listens.
    ///
    /// - Throws: ``DemoError`` `nginxFailed` with nginx's own words when it exits or never listens.
    package func start(nginx: String, cleanup: Cleanup, progress: Progress) async throws(DemoError) -> ChildProcess {
        do {
            try FileManager.default.createDirectory(atPath: "\(root)/tmp", withIntermediateDirectories: true)
            try configuration.write(toFile: configurationPath, atomically: true, encoding: .utf8)
        } catch {
            throw DemoError(.directoryFailed, subject: root, reason: "cannot write nginx.conf: \(error)")
        }
        let child: ChildProcess
        do {
            child = try ChildProcess(
                nginx, ["-p", root, "-c", configurationPath, "-e", "\(root)/error.log"],
                outputPath: "\(root)/output.log")
        } catch {
            throw DemoError(.nginxFailed, subject: nginx, reason: error.reason)
        }
        cleanup.track(child)
        for site in sites {
            do {
                try await PortProbe.wait(for: child, port: site.port, what: "nginx", progress: progress)
            } catch {
                let log = (try? String(contentsOfFile: "\(root)/error.log", encoding: .utf8)) ?? ""
                throw DemoError(.nginxFailed, subject: nginx, reason: "\(error.reason)\n\(log)")
            }
        }
        return child
    }
}
