import Foundation

/// A private HAProxy (Debian's) in the foreground (`-db`) with its configuration in `root`: one TLS
/// frontend on a loopback port, and optionally a runtime API socket.
package final class HAProxyProcess: Sendable {
    package let port: Int
    package let root: String
    /// `root/admin.sock` when the runtime API was asked for (keep `root` short: HAProxy binds Unix
    /// socket paths of at most 97 bytes).
    package let socketPath: String?
    private let process: ListeningProcess

    /// Writes `<root>/haproxy.cfg` and starts HAProxy, waiting until it listens on `port`.
    ///
    /// - Parameters:
    ///   - crt: the PEM file with certificate, chain and key; HAProxy loads `<crt>.ocsp` beside it.
    ///   - runtimeAPI: add `stats socket unix@<root>/admin.sock level admin`.
    ///   - runtimeTCPPort: also a runtime API on `127.0.0.1:<port>` (`stats socket ipv4@...`).
    package init(root: String, port: Int, crt: String, runtimeAPI: Bool = true, runtimeTCPPort: Int? = nil) async throws
    {
        self.port = port
        self.root = root
        socketPath = runtimeAPI ? "\(root)/admin.sock" : nil
        let configuration = """
            global
                maxconn 100
            \(socketPath.map { "    stats socket unix@\($0) level admin" } ?? "")
            \(runtimeTCPPort.map { "    stats socket ipv4@127.0.0.1:\($0) level admin" } ?? "")
            defaults
                mode http
                timeout connect 5s
                timeout client 5s
                timeout server 5s
            frontend site
                bind 127.0.0.1:\(port) ssl crt \(crt)
                http-request return status 200

            """
        try configuration.write(toFile: "\(root)/haproxy.cfg", atomically: true, encoding: .utf8)
        process = try await ListeningProcess(
            "haproxy", ["-db", "-f", "\(root)/haproxy.cfg"], port: port, logPath: "\(root)/haproxy-\(port).log")
    }

    package var pid: Int32 { process.pid }
    package var isRunning: Bool { process.isRunning }
    /// What HAProxy wrote so far (its warnings about `.ocsp` files among them).
    package var log: String { process.log }

    /// Stops it and waits for it to exit. Safe to call twice.
    package func stop() { process.stop() }
}
