import ArgumentParser
import StaplingProxy

/// `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all IPv4 addresses) on the command line.
struct EndpointArgument: ExpressibleByArgument, Sendable {
    var endpoint: TLSProxy.Endpoint

    init?(argument: String) {
        guard let colon = argument.lastIndex(of: ":"), let port = Int(argument[argument.index(after: colon)...]),
            (0...65_535).contains(port)
        else { return nil }
        var host = String(argument[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        endpoint = TLSProxy.Endpoint(host: host.isEmpty ? "0.0.0.0" : host, port: port)
    }
}
