import Foundation

/// nginx `ssl_stapling on` with no `resolver` while the OCSP URL names a host.
struct NginxResolverMissingRule: LintRule {
    let id = "nginx-resolver-missing"
    let severity = Severity.warning
    let anchors: Set<String> = ["ssl_stapling"]
    let servers: Set<ServerKind> = [.nginx]
    let summary = "`ssl_stapling on` without `resolver` while the OCSP responder is a host name"
    let fix =
        "Add `resolver 127.0.0.53 [::1] valid=300s;` (your DNS resolver) and `resolver_timeout 5s;` to the server or http block"

    func check(_ context: SiteContext) -> [Finding] {
        guard let enabled = context.site.staplingEnabled, context.site.setting("resolver") == nil else { return [] }
        // A prepared staple file is never fetched.
        guard context.slots.contains(where: { $0.slot.stapleFile == nil }) else { return [] }
        let urls =
            context.site.setting("ssl_stapling_responder").map { [$0.value] }
            ?? context.slots.flatMap { $0.leaf?.ocspURLs ?? [] }
        guard let named = urls.first(where: { Self.host(of: $0).map { !Self.isAddress($0) } ?? false }),
            let host = Self.host(of: named)
        else {
            return []
        }
        return [
            finding(
                enabled,
                "`ssl_stapling on` (\(enabled)) with no `resolver`: nginx resolves \(host) once at start-up and then logs "
                    + "\"no resolver defined to resolve \(host)\"; when the responder's addresses change, stapling stops"
            )
        ]
    }

    static func host(of url: String) -> String? {
        guard let range = url.range(of: "://") else { return nil }
        var rest = url[range.upperBound...]
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if rest.hasPrefix("[") { return String(rest.dropFirst().prefix { $0 != "]" }) }
        return String(rest.prefix { $0 != ":" })
    }

    static func isAddress(_ host: String) -> Bool {
        host.contains(":") || host.split(separator: ".").count == 4 && host.allSatisfy { $0.isNumber || $0 == "." }
    }
}
