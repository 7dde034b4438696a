/// `ocsp-update on` is a crt-list option of HAProxy 2.8 and later.
struct HAProxyOCSPUpdateRule: LintRule {
    let id = "haproxy-ocsp-update"
    let severity = Severity.error
    let anchors: Set<String> = [Anchor.crtListEntry]
    let servers: Set<ServerKind> = [.haproxy]
    let summary = "`ocsp-update on` needs HAProxy 2.8 or later"
    let fix = "Upgrade to HAProxy 2.8+, or on 2.6 remove it and refresh `.ocsp` files from a timer"

    func check(_ context: SiteContext) -> [Finding] {
        // A configuration with crt-store sections is for HAProxy 3.0 or later.
        guard context.site.serverWide["crt-store"] == nil else { return [] }
        return (context.site.settings["ocsp-update"] ?? []).filter { $0.isOn }.map { directive in
            finding(
                directive.location,
                "`ocsp-update on` (\(directive.location)) exists only since HAProxy 2.8; 2.6 refuses the crt-list line"
            )
        }
    }
}
