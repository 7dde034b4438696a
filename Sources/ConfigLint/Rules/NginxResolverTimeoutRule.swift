/// nginx `resolver` without `resolver_timeout`: the default is 30 s.
struct NginxResolverTimeoutRule: LintRule {
    let id = "nginx-resolver-timeout"
    let severity = Severity.note
    let anchors: Set<String> = ["resolver"]
    let servers: Set<ServerKind> = [.nginx]
    let summary = "`ssl_stapling on` with `resolver` but no `resolver_timeout` (default 30 s)"
    let fix = "Add `resolver_timeout 5s;` next to `resolver`"

    func check(_ context: SiteContext) -> [Finding] {
        guard context.staplingEnabled, let resolver = context.site.setting("resolver"),
            context.site.setting("resolver_timeout") == nil
        else { return [] }
        return [
            finding(
                resolver.location,
                "`resolver` (\(resolver.location)) without `resolver_timeout`: a dead resolver holds each OCSP fetch for the default 30 s"
            )
        ]
    }
}
