import ConfigLint

/// HAProxy's runtime API as `global` declares it: `stats socket <address> [level admin] ...`.
enum HAProxyStatsSocket {
    /// What one `stats socket` line gives staple run.
    enum Reading {
        case usable(HAProxyOutputConfiguration.Socket)
        /// Not usable, and why (for a note).
        case unusable(String)
    }

    /// The `stats socket` staple run pushes responses through: the first with `level admin` it can
    /// connect to, else the first it can connect to at all; and notes about the others (an address
    /// family it cannot use, a path too long) and about a socket below admin.
    ///
    /// HAProxy 2.6 takes `set ssl ocsp-response` at every level (user, operator, admin: measured,
    /// docs/run-configuration.md), so a socket below admin is used, with a note, rather than dropped.
    static func find(
        in directives: [Directive], configDirectory: String
    ) -> (HAProxyOutputConfiguration.Socket?, [String]) {
        var notes: [String] = []
        var belowAdmin: (socket: HAProxyOutputConfiguration.Socket, directive: Directive, level: String)?
        for directive in directives where directive.arguments.first == "socket" && directive.arguments.count >= 2 {
            let arguments = Array(directive.arguments.dropFirst())
            let level = arguments.firstIndex(of: "level").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
            switch read(arguments[0], configDirectory: configDirectory) {
            case .unusable(let why):
                notes.append("\(directive.location): `stats socket \(arguments[0])`: \(why)")
            case .usable(let socket):
                if level == "admin" { return (socket, notes) }
                if belowAdmin == nil { belowAdmin = (socket, directive, level ?? "operator (the default)") }
            }
        }
        if let belowAdmin {
            notes.append(
                "\(belowAdmin.directive.location): `stats socket \(belowAdmin.directive.arguments[1])` is at level "
                    + "\(belowAdmin.level), not admin: HAProxy 2.6 still takes `set ssl ocsp-response` there, so staple run "
                    + "uses it; add `level admin` in case a later HAProxy asks for it")
            return (belowAdmin.socket, notes)
        }
        if notes.isEmpty {
            notes.append(
                "no `stats socket` in `global`: staple run only writes `<crt>.ocsp`, which HAProxy reads "
                    + "at its next start; add `stats socket /run/haproxy/admin.sock mode 600 level admin` to push "
                    + "responses without a restart")
        }
        return (nil, notes)
    }

    /// One address: a Unix path (`/run/haproxy/admin.sock`, `unix@...`) or a TCP one (`ipv4@127.0.0.1:9999`,
    /// `127.0.0.1:9999`, `:9999`).
    static func read(_ address: String, configDirectory: String) -> Reading {
        var text = Substring(address)
        var family = ""
        if let at = text.firstIndex(of: "@") {
            family = String(text[..<at])
            text = text[text.index(after: at)...]
        }
        switch family {
        case "unix", "":
            // HAProxy reads an address without a family as a Unix path only when it starts with `/`
            // (`admin.sock` alone is a host name without a port, which it refuses).
            if family.isEmpty, !text.hasPrefix("/") { return tcp(String(text)) }
            let path = ConfigurationPath.resolve(String(text), against: configDirectory)
            let limit = HAProxyOutputConfiguration.maximumUnixSocketPathLength
            guard path.utf8.count <= limit else {
                return .unusable(
                    "the path \(path) is \(path.utf8.count) bytes, over HAProxy's \(limit): use a shorter one")
            }
            return .usable(.unix(path: path))
        case "ipv4", "ipv6", "tcp", "tcp4", "tcp6":
            return tcp(String(text))
        default:
            return .unusable(
                "the `\(family)@` address family is not one staple run can connect to (a Unix path or TCP)")
        }
    }

    private static func tcp(_ text: String) -> Reading {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65_535).contains(port)
        else { return .unusable("no port in `\(text)`") }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        switch host {
        case "", "*", "0.0.0.0": host = "127.0.0.1"
        case "::": host = "::1"
        default: break
        }
        return .usable(.tcp(host: host, port: port))
    }
}
