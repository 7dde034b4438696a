import Foundation

/// Where the shared staple store is: a libpq-style URL, `postgresql://USER@HOST:PORT/DATABASE?sslmode=MODE`.
///
/// The password never comes from the URL (it would sit in the process list, shell history and
/// configuration files): it comes from `PGPASSWORD` or a password file (``StorePassword``). A URL
/// holding one is refused.
///
/// Query parameters read: `sslmode` (disable, allow, prefer, require, verify-ca, verify-full; libpq's
/// default is prefer), `sslrootcert` (a PEM file of trusted CAs for verify-ca and verify-full;
/// the system's trust store otherwise), `application_name`. Others are refused, so that a typo is
/// not silently ignored.
package struct StoreURL: Sendable, Hashable, CustomStringConvertible {
    /// How TLS to PostgreSQL is used, after libpq's `sslmode`.
    package enum SSLMode: String, Sendable, Hashable, CaseIterable {
        /// Plain TCP.
        case disable
        /// libpq tries plain first, then TLS; here treated as ``prefer``.
        case allow
        /// TLS when the server offers it, unverified; plain otherwise.
        case prefer
        /// TLS or nothing; the server certificate is not verified (as libpq).
        case require
        /// TLS with the server certificate verified against the trusted CAs, not its name.
        case verifyCA = "verify-ca"
        /// TLS with the certificate verified and its name matched to the host.
        case verifyFull = "verify-full"
    }

    package var user: String
    package var host: String
    package var port: Int
    package var database: String
    package var sslMode: SSLMode
    package var rootCertificatePath: String?
    package var applicationName: String?

    /// Parses `text`.
    ///
    /// - Throws: ``FleetError`` with code `invalidURL` naming what is wrong.
    package init(_ text: String) throws(FleetError) {
        func invalid(_ reason: String) -> FleetError {
            FleetError(.invalidURL, subject: Self.redacted(text), reason: reason)
        }
        guard let components = URLComponents(string: text) else {
            throw invalid("not a URL; expected postgresql://USER@HOST:PORT/DATABASE?sslmode=MODE")
        }
        guard let scheme = components.scheme?.lowercased(), ["postgresql", "postgres"].contains(scheme) else {
            throw invalid("the scheme must be postgresql:// (or postgres://)")
        }
        guard components.password == nil else {
            throw invalid(
                "a password in the URL would be on the command line or in a file anyone may read: "
                    + "remove it and set PGPASSWORD or use a password file")
        }
        guard let user = components.user?.removingPercentEncoding, !user.isEmpty else {
            throw invalid("no user: write postgresql://USER@HOST/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("no host") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw invalid("port \(port) is out of range") }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let database = path.removingPercentEncoding ?? path
        self.user = user
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
        self.database = database.isEmpty ? user : database
        sslMode = .prefer
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw invalid(
                        "sslmode=\(value) is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "sslrootcert":
                rootCertificatePath = value
            case "application_name":
                applicationName = value
            case "password":
                throw invalid("a password in the URL is refused: set PGPASSWORD or use a password file")
            default:
                throw invalid("unknown parameter \(item.name) (read: sslmode, sslrootcert, application_name)")
            }
        }
    }

    /// The URL as logs and messages show it (it never holds a password).
    package var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "postgresql://\(user)@\(hostPart):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
    }

    /// `text` with a password hidden (between `:` and `@` of the authority, and a `password=`
    /// parameter), for error messages about a URL that may hold one.
    static func redacted(_ text: String) -> String {
        var text = text.replacingOccurrences(
            of: "(?i)(password=)[^&#]*", with: "$1***", options: .regularExpression)
        guard let schemeEnd = text.range(of: "://"),
            let at = text.range(of: "@", range: schemeEnd.upperBound..<text.endIndex)
        else { return text }
        let authority = text[schemeEnd.upperBound..<at.lowerBound]
        guard let colon = authority.firstIndex(of: ":") else { return text }
        text.replaceSubrange(colon..<at.lowerBound, with: ":***")
        return text
    }
}
