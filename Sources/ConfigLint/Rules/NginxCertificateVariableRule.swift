/// nginx `ssl_certificate` naming a variable: the file is chosen per handshake, so it cannot be
/// checked here (and nginx sets up stapling only for certificates it loads at start-up).
struct NginxCertificateVariableRule: LintRule {
    let id = "nginx-certificate-variable"
    let severity = Severity.note
    let anchors: Set<String> = ["ssl_certificate"]
    let servers: Set<ServerKind> = [.nginx]
    let summary = "`ssl_certificate` names a variable: the certificate cannot be checked statically"
    let fix = "Nothing to change if intended; name the files (one server{} each) to have them checked and stapled"

    func check(_ context: SiteContext) -> [Finding] {
        (context.site.settings["ssl_certificate"] ?? []).filter { $0.value.contains("$") }.map { directive in
            finding(
                directive.location,
                "`\(directive.text)` (\(directive.location)) is loaded per handshake: its certificate, key and chain are not "
                    + "checked here, and nginx staples only certificates it loads at start-up"
            )
        }
    }
}
