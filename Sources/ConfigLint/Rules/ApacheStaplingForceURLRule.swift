/// Apache `SSLStaplingForceURL` that is not an http:// URL: mod_ssl speaks plain HTTP to the responder.
struct ApacheStaplingForceURLRule: LintRule {
    let id = "apache-stapling-force-url"
    let severity = Severity.error
    let anchors: Set<String> = ["sslstaplingforceurl"]
    let servers: Set<ServerKind> = [.apache]
    let summary = "`SSLStaplingForceURL` is not an http:// URL"
    let fix = "Use the responder's http:// URL (OCSP responses are signed; TLS adds nothing), or remove the directive"

    func check(_ context: SiteContext) -> [Finding] {
        guard context.staplingEnabled, let directive = context.site.setting("SSLStaplingForceURL") else { return [] }
        let url = directive.value
        let lower = url.lowercased()
        guard !lower.hasPrefix("http://") || NginxResolverMissingRule.host(of: url)?.isEmpty != false else {
            return []
        }
        let why =
            lower.hasPrefix("https://")
            ? "mod_ssl sends its OCSP request in plain HTTP, so an https responder never answers"
            : "it is not an http:// URL, so mod_ssl cannot send the OCSP request"
        return [
            finding(
                directive.location, "`\(directive.text)` (\(directive.location)): \(why), and nothing is stapled",
                breaksStapling: true)
        ]
    }
}
