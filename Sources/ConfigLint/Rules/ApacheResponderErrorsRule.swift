/// Apache staples responder errors (tryLater ...) unless told not to; the default is on.
struct ApacheResponderErrorsRule: LintRule {
    let id = "apache-responder-errors"
    let severity = Severity.warning
    let anchors: Set<String> = ["sslusestapling", "sslstaplingreturnrespondererrors"]
    let servers: Set<ServerKind> = [.apache]
    let summary =
        "`SSLStaplingReturnResponderErrors` is on (the default): responder errors and fake tryLater answers are stapled"
    let fix =
        "Add `SSLStaplingReturnResponderErrors off` (and `SSLStaplingFakeTryLater off`) next to `SSLUseStapling On`"

    func check(_ context: SiteContext) -> [Finding] {
        guard let enabled = context.site.staplingEnabled else { return [] }
        let setting = context.site.setting("SSLStaplingReturnResponderErrors")
        guard setting == nil || setting?.isOn == true else { return [] }
        let location = setting?.location ?? enabled
        let how = setting == nil ? "is not set and defaults to on" : "is on (\(location))"
        return [
            finding(
                location,
                "`SSLStaplingReturnResponderErrors` \(how) in \(context.site.name): when the responder fails, clients get a stapled "
                    + "tryLater instead of no staple, which Must-Staple clients treat as a failure"
            )
        ]
    }
}
