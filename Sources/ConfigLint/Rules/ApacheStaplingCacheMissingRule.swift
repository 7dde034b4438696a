/// Apache `SSLUseStapling On` without a server-wide `SSLStaplingCache`.
struct ApacheStaplingCacheMissingRule: LintRule {
    let id = "apache-stapling-cache-missing"
    let severity = Severity.error
    let servers: Set<ServerKind> = [.apache]
    let summary = "`SSLUseStapling On` without a server-wide `SSLStaplingCache`"
    let fix = "Add `SSLStaplingCache shmcb:${APACHE_RUN_DIR}/ssl_stapling(128000)` outside any <VirtualHost>"

    func check(_ context: SiteContext) -> [Finding] {
        guard let enabled = context.site.staplingEnabled, context.site.serverWideSetting("SSLStaplingCache") == nil
        else { return [] }
        let misplaced =
            context.site.ownSettings.contains("sslstaplingcache") && context.site.tls != nil
            ? " (an SSLStaplingCache inside a <VirtualHost> does not count: it is a server-wide directive)" : ""
        return [
            finding(
                enabled,
                "`SSLUseStapling On` (\(enabled)) in \(context.site.name) but no server-wide `SSLStaplingCache`\(misplaced): "
                    + "mod_ssl refuses to start (AH01958)",
                breaksStapling: true
            )
        ]
    }
}
