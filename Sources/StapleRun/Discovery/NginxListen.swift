/// Where a confirming handshake reaches an nginx `server{}`: its `listen` address, with the
/// wildcard (`443`, `*:443`, `0.0.0.0:443`) as 127.0.0.1 and `[::]` as `[::1]`.
enum NginxListen {
    /// The address of the first `listen` with `ssl` (else the first `listen`); nil for a Unix socket
    /// or an address this cannot read. Without any `listen`, nginx listens on `*:80`.
    static func confirmAddress(_ listens: [[String]]) -> HostPort? {
        guard let listen = listens.first(where: { $0.dropFirst().contains("ssl") }) ?? listens.first,
            let address = listen.first
        else { return HostPort(host: "127.0.0.1", port: 80) }
        if address.hasPrefix("unix:") { return nil }
        if let port = Int(address), (1...65_535).contains(port) { return HostPort(host: "127.0.0.1", port: port) }
        if let bracket = address.firstIndex(of: "]"), address.hasPrefix("[") {
            let host = String(address[address.index(after: address.startIndex)..<bracket])
            let rest = address[address.index(after: bracket)...]
            let port = rest.hasPrefix(":") ? Int(rest.dropFirst()) : 443
            guard let port, (1...65_535).contains(port) else { return nil }
            return HostPort(host: host == "::" ? "::1" : host, port: port)
        }
        guard let colon = address.lastIndex(of: ":") else {
            // A host name or address alone: port 80 is nginx's default, which a TLS site rarely is.
            return HostPort(host: wildcard(address) ? "127.0.0.1" : address, port: 80)
        }
        let host = String(address[..<colon])
        guard let port = Int(address[address.index(after: colon)...]), (1...65_535).contains(port) else { return nil }
        return HostPort(host: wildcard(host) ? "127.0.0.1" : host, port: port)
    }

    private static func wildcard(_ host: String) -> Bool { host == "*" || host == "0.0.0.0" || host.isEmpty }
}
