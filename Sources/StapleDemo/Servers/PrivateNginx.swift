import Foundation
import LoopbackServers

/// Debian's nginx run privately (``PrivateNginxConfiguration``): one process, TLS servers on
/// loopback ports, each with an `ssl_stapling_file`.
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

    /// `master_process off`, pid, logs and temp paths under `root`, one stapling server per site.
    package var configuration: PrivateNginxConfiguration {
        let servers = sites.map { site in
            PrivateNginxConfiguration.stapledServer(
                port: site.port, chainPath: site.chainPath, keyPath: site.keyPath, staplePath: site.staplePath,
                body: #"return 200 "nginx\n";"#, comment: site.comment)
        }
        return PrivateNginxConfiguration(root: root, workerConnections: 64, http: servers.joined(separator: "\n"))
    }

    /// Writes the configuration and starts nginx; returns once every site's port listens.
    ///
    /// - Throws: ``DemoError`` `directoryFailed` when the configuration cannot be written,
    ///   `nginxFailed` with nginx's own words when it exits or never listens.
    package func start(nginx: String, cleanup: Cleanup, progress: Progress) async throws(DemoError) -> ChildProcess {
        let configuration = configuration
        do {
            try configuration.write()
        } catch {
            throw DemoError(.directoryFailed, subject: error.subject, reason: error.reason)
        }
        let child: ChildProcess
        do {
            child = try ChildProcess(nginx, configuration.arguments, outputPath: "\(root)/logs/output.log")
        } catch {
            throw DemoError(.nginxFailed, subject: nginx, reason: error.reason)
        }
        cleanup.track(child)
        for site in sites {
            do {
                try await PortProbe.wait(for: child, port: site.port, what: "nginx", progress: progress)
            } catch {
                throw DemoError(.nginxFailed, subject: nginx, reason: "\(error.reason)\n\(configuration.errorLog)")
            }
        }
        return child
    }
}
