/// Apache `SSLStaplingResponderTimeout` outside what makes sense: the fetch blocks a handshake.
struct ApacheResponderTimeoutRule: LintRule {
    let id = "apache-responder-timeout"
    let severity = Severity.warning
    let anchors: Set<String> = ["sslstaplingrespondertimeout"]
    let servers: Set<ServerKind> = [.apache]
    let summary = "`SSLStaplingResponderTimeout` is not a number of seconds between 1 and 30"
    let fix = "Use `SSLStaplingResponderTimeout 5`: the fetch happens during a client's handshake"

    /// 30 s: mod_ssl fetches inside the handshake; clients give up long before.
    static let maximum = 30

    func check(_ context: SiteContext) -> [Finding] {
        guard context.staplingEnabled, let directive = context.site.setting("SSLStaplingResponderTimeout") else {
            return []
        }
        guard let seconds = Int(directive.value) else {
            return [
                finding(
                    directive.location, "`\(directive.text)`: \"\(directive.value)\" is not a whole number of seconds",
                    severity: .error)
            ]
        }
        guard seconds < 1 || seconds > Self.maximum else { return [] }
        let why = seconds < 1 ? "no fetch can finish in it" : "the first client after each cache expiry waits that long"
        return [finding(directive.location, "`\(directive.text)` (\(directive.location)): \(why)")]
    }
}
