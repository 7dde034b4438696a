import Foundation

/// Which HTTP proxy, if any, carries a request: `http_proxy`, `https_proxy` and `no_proxy` as
/// curl and wget read them.
///
/// Upper-case `HTTPS_PROXY` and `NO_PROXY` are read when the lower-case ones are absent; upper-case
/// `HTTP_PROXY` is not (a CGI request's `Proxy:` header becomes `HTTP_PROXY`, "httpoxy").
package struct ProxySettings: Sendable, Hashable {
    /// A proxy's address.
    package struct Endpoint: Sendable, Hashable {
        package var host: String
        package var port: Int
        package init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    package var httpProxy: Endpoint?
    package var httpsProxy: Endpoint?
    /// Host names, domain suffixes (`.example.com` or `example.com`) and IP literals that bypass the
    /// proxy; `*` bypasses it for every host.
    package var noProxy: [String]

    package init(httpProxy: Endpoint? = nil, httpsProxy: Endpoint? = nil, noProxy: [String] = []) {
        self.httpProxy = httpProxy
        self.httpsProxy = httpsProxy
        self.noProxy = noProxy
    }

    /// No proxy at all.
    package static let none = ProxySettings()

    /// The settings the environment gives.
    package static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    )
        -> ProxySettings
    {
        func value(_ names: String...) -> String? {
            names.lazy.compactMap { environment[$0] }.first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        }
        return ProxySettings(
            httpProxy: value("http_proxy").flatMap(Self.endpoint),
            httpsProxy: value("https_proxy", "HTTPS_PROXY").flatMap(Self.endpoint),
            noProxy: (value("no_proxy", "NO_PROXY") ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            }.filter { !$0.isEmpty }
        )
    }

    /// Parses `http://host:port`, `host:port` or `host` (port 80 for http, 443 for an https proxy URL).
    package static func endpoint(_ text: String) -> Endpoint? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let withScheme = trimmed.contains("://") ? trimmed : "http://" + trimmed
        guard let components = URLComponents(string: withScheme), let host = components.host, !host.isEmpty else {
            return nil
        }
        let port = components.port ?? (components.scheme == "https" ? 443 : 80)
        return Endpoint(host: host, port: port)
    }

    /// The proxy for a request to `host` over `scheme`, or nil to connect directly.
    package func proxy(scheme: String, host: String) -> Endpoint? {
        guard let candidate = scheme == "https" ? httpsProxy : httpProxy else { return nil }
        return bypasses(host: host) ? nil : candidate
    }

    /// Whether `no_proxy` sends `host` directly.
    package func bypasses(host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        for entry in noProxy {
            if entry == "*" { return true }
            let bare = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
            let name =
                bare.split(separator: ":").count == 2 && !bare.contains("::")
                ? String(bare.split(separator: ":")[0]) : bare
            if host == name || host.hasSuffix("." + name) { return true }
        }
        return false
    }
}
