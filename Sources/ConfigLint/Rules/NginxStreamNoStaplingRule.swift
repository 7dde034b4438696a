/// nginx `stream {}` TLS servers cannot staple (1.22: no stapling in ngx_stream_ssl_module).
struct NginxStreamNoStaplingRule: LintRule {
    let id = "nginx-stream-no-stapling"
    let severity = Severity.note
    let anchors: Set<String> = ["ssl_certificate"]
    let servers: Set<ServerKind> = [.nginx]
    let summary = "A `stream {}` TLS server: nginx cannot staple there, whatever the certificate"
    let fix =
        "If a staple is wanted, terminate TLS in an http{} server, or in front of nginx (`staple serve`)"

    func check(_ context: SiteContext) -> [Finding] {
        guard !context.site.canStaple else { return [] }
        return context.slots.compactMap { slot in
            // A Must-Staple certificate there is must-staple-not-stapled's (critical) finding.
            guard let leaf = slot.leaf, !leaf.ocspURLs.isEmpty, !leaf.isMustStaple else { return nil }
            return finding(
                slot.slot.certificate.location,
                "\(context.site.name) serves \(slot.slot.certificate.value), which names an OCSP responder, but nginx 1.22 "
                    + "has no stapling in stream{} (`ssl_stapling` is not allowed there): clients get no staple"
            )
        }
    }
}
