/// Stapling directives written in a server or virtual host that does not terminate TLS.
struct StaplingWithoutTLSRule: LintRule {
    let id = "stapling-without-tls"
    let severity = Severity.warning
    let anchors: Set<String> = ["ssl_stapling*", "sslstapling*", "sslusestapling"]
    let servers: Set<ServerKind> = [.nginx, .apache]
    let summary = "Stapling directives in a server block or virtual host without TLS"
    let fix =
        "Add `ssl` to the `listen` directive (nginx) or `SSLEngine on` (Apache), or remove the stapling directives"

    func check(_ context: SiteContext) -> [Finding] {
        guard context.site.tls == nil else { return [] }
        // A misplaced SSLStaplingCache is apache-stapling-cache-missing's (Apache refuses it anywhere in a host).
        let names = context.site.ownSettings.filter {
            ($0.hasPrefix("ssl_stapling") || $0.hasPrefix("sslstapling") || $0 == "sslusestapling")
                && $0 != "sslstaplingcache"
        }
        return names.sorted().compactMap { context.site.setting($0) }.map { directive in
            finding(
                directive.location,
                "`\(directive.text)` in \(context.site.name), which does not terminate TLS: it has no effect"
            )
        }
    }
}
