/// Apache `SSLStaplingStandardCacheTimeout` outside what makes sense.
struct ApacheCacheTimeoutRule: LintRule {
    let id = "apache-cache-timeout"
    let severity = Severity.warning
    let anchors: Set<String> = ["sslstaplingstandardcachetimeout"]
    let servers: Set<ServerKind> = [.apache]
    let summary = "`SSLStaplingStandardCacheTimeout` is not between 60 seconds and 1 day"
    let fix =
        "Use a value well below the responses' validity, e.g. `SSLStaplingStandardCacheTimeout 3600` (the default)"

    /// A day: CA responses are typically valid 4 to 7 days; caching longer risks stapling near-expired responses.
    static let maximum = 86_400
    /// A minute: shorter makes every minute's first handshake wait for the responder.
    static let minimum = 60

    func check(_ context: SiteContext) -> [Finding] {
        guard context.staplingEnabled, let directive = context.site.setting("SSLStaplingStandardCacheTimeout") else {
            return []
        }
        guard let seconds = Int(directive.value) else {
            return [
                finding(
                    directive.location, "`\(directive.text)`: \"\(directive.value)\" is not a whole number of seconds",
                    severity: .error)
            ]
        }
        if seconds < Self.minimum {
            return [
                finding(
                    directive.location,
                    "`\(directive.text)` (\(directive.location)): the responder is asked during handshakes every \(seconds) s"
                )
            ]
        }
        if seconds > Self.maximum {
            return [
                finding(
                    directive.location,
                    "`\(directive.text)` (\(directive.location)): responses are kept \(seconds / 3600) h, so they may be stapled close to "
                        + "or past their nextUpdate"
                )
            ]
        }
        return []
    }
}
