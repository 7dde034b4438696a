/// nginx fetches OCSP over plain HTTP only: an https responder disables stapling.
struct NginxResponderHTTPSRule: LintRule {
    let id = "nginx-responder-https"
    let severity = Severity.error
    let anchors: Set<String> = ["ssl_stapling_responder", "ssl_certificate"]
    let servers: Set<ServerKind> = [.nginx]
    let summary =
        "The OCSP responder (`ssl_stapling_responder` or the certificate's URL) is https, which nginx does not support"
    let fix =
        "Use the responder's http:// URL in `ssl_stapling_responder` (OCSP responses are signed; TLS adds nothing)"

    func check(_ context: SiteContext) -> [Finding] {
        guard context.staplingEnabled else { return [] }
        if let responder = context.site.setting("ssl_stapling_responder") {
            guard responder.value.lowercased().hasPrefix("https://") else { return [] }
            return [
                finding(
                    responder.location,
                    "`ssl_stapling_responder \(responder.value)` is https: nginx logs \"ssl_stapling\" ignored, "
                        + "invalid URL prefix in OCSP responder, and staples nothing",
                    breaksStapling: true
                )
            ]
        }
        return context.slots.compactMap { slot in
            guard slot.slot.stapleFile == nil, let url = slot.leaf?.ocspURLs.first,
                url.lowercased().hasPrefix("https://")
            else { return nil }
            return finding(
                slot.slot.certificate.location,
                "the OCSP URL of \(slot.slot.certificate.value) is \(url): nginx supports http only and staples nothing",
                breaksStapling: true
            )
        }
    }
}
