import OCSPCore
import StapleFiles

/// One server to check: the name (SNI and the certificate's identity), the port, and the address to
/// dial when it is not the name.
package struct CheckTarget: Sendable, Hashable, CustomStringConvertible {
    /// As given on the command line or in the file.
    package var text: String
    /// The host name sent as SNI (none for an IP address).
    package var host: String
    package var port: Int
    /// What to dial instead of `host` (`--connect`), keeping `host` for SNI.
    package var connectHost: String?
    package var connectPort: Int?
    /// The SNI name to send instead of `host` (`--servername`).
    package var serverNameOverride: String?

    package static let defaultPort = 443

    /// Parses `HOST[:PORT]`, `[IPv6]:PORT`, `[IPv6]` or `https://HOST[:PORT][/path]`.
    ///
    /// - Throws: ``CheckError`` `invalidTarget`, naming the text.
    package init(parsing text: String) throws(CheckError) {
        self.text = text
        var rest = Substring(text.trimmedOfWhitespace)
        if rest.lowercased().hasPrefix("https://") {
            rest = rest.dropFirst("https://".count)
            if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<slash] }
            if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        } else if rest.contains("://") {
            throw CheckError(.invalidTarget, subject: text, reason: "only https:// URLs name a TLS server")
        }
        let (host, port) = try Self.hostAndPort(rest, text: text)
        guard !host.isEmpty, host.allSatisfy({ !$0.isWhitespace && $0 != "/" }) else {
            throw CheckError(.invalidTarget, subject: text, reason: "no host name or address")
        }
        self.host = host
        self.port = port ?? Self.defaultPort
    }

    /// Splits `host:port`, `[v6]:port`, `[v6]` or `host`.
    static func hostAndPort(_ text: Substring, text original: String) throws(CheckError) -> (String, Int?) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw CheckError(.invalidTarget, subject: original, reason: "an IPv6 address needs its closing ]")
            }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            if after.isEmpty { return (host, nil) }
            guard after.hasPrefix(":") else {
                throw CheckError(.invalidTarget, subject: original, reason: "expected :PORT after ]")
            }
            return (host, try port(after.dropFirst(), original))
        }
        let colons = text.filter { $0 == ":" }.count
        if colons == 0 { return (String(text), nil) }
        if colons > 1 {
            throw CheckError(.invalidTarget, subject: original, reason: "write an IPv6 address as [ADDRESS]:PORT")
        }
        let colon = text.firstIndex(of: ":")!
        return (String(text[..<colon]), try port(text[text.index(after: colon)...], original))
    }

    static func port(_ text: Substring, _ original: String) throws(CheckError) -> Int {
        guard let port = Int(text), (1...65_535).contains(port) else {
            throw CheckError(.invalidTarget, subject: original, reason: "port \(text) is not a number from 1 to 65535")
        }
        return port
    }

    /// The SNI name: the host, unless it is an IP address (RFC 6066 §3 forbids addresses).
    package var serverName: String? {
        serverNameOverride ?? (Self.isIPAddress(host) ? nil : host)
    }

    /// The address dialled.
    package var dialHost: String { connectHost ?? host }
    package var dialPort: Int { connectPort ?? port }

    /// `host:port`, with brackets for IPv6.
    package var description: String { Self.endpoint(host, port) }

    static func endpoint(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    static func isIPAddress(_ host: String) -> Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }

    /// `--connect ADDRESS`: `HOST`, `HOST:PORT` or `[IPv6]:PORT`; the port defaults to the target's.
    package mutating func connect(to address: String) throws(CheckError) {
        let (host, port) = try Self.hostAndPort(Substring(address), text: address)
        guard !host.isEmpty else {
            throw CheckError(.invalidTarget, subject: address, reason: "no address to connect to")
        }
        connectHost = host
        connectPort = port
    }

    /// Targets from a file's text: one per line; `#` starts a comment; blank lines are skipped.
    ///
    /// - Throws: ``CheckError`` `invalidTarget` naming the line.
    package static func list(fileText: String, source: String) throws(CheckError) -> [CheckTarget] {
        var targets: [CheckTarget] = []
        for entry in ListFile.entries(fileText) {
            do {
                targets.append(try CheckTarget(parsing: entry.text))
            } catch {
                throw CheckError(.invalidTarget, subject: "\(source):\(entry.line)", reason: error.message)
            }
        }
        return targets
    }
}
