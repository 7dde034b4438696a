/// nginx `ssl_ocsp` or Apache `SSLOCSPEnable` where stapling was evidently meant (no stapling
/// directive at all): they check client certificates, they staple nothing.
struct ClientOCSPNotStaplingRule: LintRule {
    let id = "client-ocsp-not-stapling"
    let severity = Severity.warning
    let anchors: Set<String> = ["ssl_ocsp", "sslocspenable"]
    let servers: Set<ServerKind> = [.nginx, .apache]
    let summary =
        "`ssl_ocsp` / `SSLOCSPEnable` (client-certificate checks) without any stapling directive: nothing is stapled"
    let fix =
        "For stapling use `ssl_stapling on` (nginx) or `SSLUseStapling On` (Apache); keep the other only to check client certificates"

    func check(_ context: SiteContext) -> [Finding] {
        let site = context.site
        let (name, stapling) =
            site.server == .nginx ? ("ssl_ocsp", "ssl_stapling on") : ("SSLOCSPEnable", "SSLUseStapling On")
        guard let directive = site.setting(name), directive.value.lowercased() != "off" else { return [] }
        // Stapling meant and written: switched on (here or inherited), or stapling directives in the site itself.
        let staplingWritten = site.ownSettings.contains {
            $0.hasPrefix("ssl_stapling") || $0.hasPrefix("sslstapling") || $0 == "sslusestapling"
        }
        guard site.staplingEnabled == nil, !staplingWritten else { return [] }
        let what =
            site.server == .nginx
            ? "checks the revocation of client certificates (with `ssl_verify_client`; without it, it does nothing)"
            : "checks the revocation of client certificates (with `SSLVerifyClient`)"
        return [
            finding(
                directive.location,
                "`\(directive.text)` (\(directive.location)) in \(site.name) \(what); it staples nothing for the server's "
                    + "own certificate, which needs `\(stapling)`"
            )
        ]
    }
}
