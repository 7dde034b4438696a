/// Apache `SSLUseStapling On` without a server-wide `SSLStaplingCache`.
struct ApacheStaplingCacheMissingRule: LintRule {
    let id = "apache-stapling-cache-missing"
    let severity = Severity.error
    let anchors: Set<String> = ["sslusestapling", "sslstaplingcache"]
    let servers: Set<ServerKind> = [.apache]
    let summary = "`SSLUseStapling On` without a server-wide `SSLStaplingCache`"
    let fix = "Add `SSLStaplingCache shmcb:${APACHE_RUN_DIR}/ssl_stapling(128000)` outside any <VirtualHost>"

    func check(_ context: SiteContext) -> [Finding] {
        let site = context.site
        // Written inside the virtual host: the misplaced line is what must change (apache2 -t refuses it).
        if site.ownSettings.contains("sslstaplingcache"),
            site.serverWideSetting("SSLStaplingCache").map({ $0 != site.setting("SSLStaplingCache") }) ?? true,
            let misplaced = site.setting("SSLStaplingCache")
        {
            return [
                finding(
                    misplaced.location,
                    "`\(misplaced.text)` (\(misplaced.location)) inside \(site.name): SSLStaplingCache is server-wide only, "
                        + "Apache refuses the configuration (\"cannot occur within <VirtualHost> section\")",
                    fix: "Move `SSLStaplingCache` outside every <VirtualHost>", breaksStapling: true
                )
            ]
        }
        guard let enabled = site.staplingEnabled, site.serverWideSetting("SSLStaplingCache") == nil else { return [] }
        return [
            finding(
                enabled,
                "`SSLUseStapling On` (\(enabled)) in \(site.name) but no server-wide `SSLStaplingCache`: "
                    + "`apache2 -t` says Syntax OK, then mod_ssl refuses to start (AH01958)",
                breaksStapling: true
            )
        ]
    }
}
