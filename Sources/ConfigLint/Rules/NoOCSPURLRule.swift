/// Stapling is on but the certificate names no OCSP responder: there is nothing to fetch.
struct NoOCSPURLRule: LintRule {
    let id = "no-ocsp-url"
    let severity = Severity.warning
    let anchors: Set<String> = ["ssl_stapling", "sslusestapling"]
    let servers: Set<ServerKind> = [.nginx, .apache]
    let summary = "Stapling is enabled but the certificate has no OCSP responder URL"
    let fix =
        "Remove the stapling directives: nothing can be stapled for this certificate (Let's Encrypt certificates issued since May 2025 carry no OCSP URL)"

    func check(_ context: SiteContext) -> [Finding] {
        guard let enabled = context.site.staplingEnabled else { return [] }
        // An explicit responder (nginx ssl_stapling_responder, Apache SSLStaplingForceURL) or a
        // prepared staple file does not need the certificate's URL.
        if context.site.setting("ssl_stapling_responder") != nil || context.site.setting("SSLStaplingForceURL") != nil {
            return []
        }
        return context.slots.compactMap { slot in
            guard let leaf = slot.leaf, leaf.ocspURLs.isEmpty, slot.slot.stapleFile == nil else { return nil }
            let directive = context.site.server == .nginx ? "ssl_stapling on" : "SSLUseStapling On"
            return finding(
                enabled,
                "`\(directive)` (\(enabled)) but \(leaf.subject) in \(slot.slot.certificate.value) has no OCSP responder URL: "
                    + "stapling cannot work, the directive can go",
                breaksStapling: true
            )
        }
    }
}
