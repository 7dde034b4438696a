import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension PostgreSQLServer {
    /// A server certificate and key for a private PostgreSQL that accepts TLS (`ssl=on`).
    package struct TLSFiles: Sendable {
        /// PEM: the server certificate, then its chain if any.
        package var certificatePEM: String
        /// PEM: its private key.
        package var keyPEM: String

        package init(certificatePEM: String, keyPEM: String) {
            self.certificatePEM = certificatePEM
            self.keyPEM = keyPEM
        }

        /// A server certificate issued by `pki` for the DNS name `host` (so a client checking another
        /// name, or trusting another CA, refuses it).
        package static func issued(by pki: TestPKI, for host: String = "localhost") throws -> TLSFiles {
            let leaf = try pki.issue(commonName: host, fileName: "postgres-server", writeIndex: false)
            return TLSFiles(certificatePEM: leaf.pem, keyPEM: leaf.keyPEM)
        }

        /// Writes `server.crt` and `server.key` (0600, owned by `postgres` when root: the server refuses
        /// a key others can read) into `directory`; returns the settings that turn TLS on.
        func install(in directory: String) throws -> [String] {
            let certificate = "\(directory)/server.crt"
            let key = "\(directory)/server.key"
            try certificatePEM.write(toFile: certificate, atomically: false, encoding: .utf8)
            try keyPEM.write(toFile: key, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
            if getuid() == 0 { try SystemTools.run("chown", ["postgres:postgres", certificate, key]) }
            return ["ssl=on", "ssl_cert_file=\(certificate)", "ssl_key_file=\(key)"]
        }
    }

    /// The store URL with `host` (a name the certificate may or may not carry) and `parameters`
    /// (`sslmode=...&sslrootcert=...`).
    package func url(host: String, parameters: String) -> String {
        "postgresql://staple@\(host):\(port)/postgres?\(parameters)"
    }

    /// Whether the connections whose application_name is LIKE `pattern` use TLS (`pg_stat_ssl`):
    /// "t" for each such connection.
    package func tlsInUse(applicationName pattern: String) throws -> String {
        try psql(
            "SELECT string_agg(s.ssl::text, ',') FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
                + "WHERE a.application_name LIKE '\(pattern)'")
    }
}
