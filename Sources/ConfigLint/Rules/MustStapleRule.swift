/// A Must-Staple certificate served without working stapling: clients that honour it refuse the site.
struct MustStapleRule: LintRule {
    let id = "must-staple-not-stapled"
    let severity = Severity.critical
    let summary = "A Must-Staple certificate (TLS Feature status_request) is served without working stapling"
    let fix = "Make stapling work (fix the other findings for this site) or get a certificate without Must-Staple"

    func check(_ context: SiteContext) -> [Finding] {
        context.slots.compactMap { slot in
            guard let leaf = slot.leaf, leaf.isMustStaple else { return nil }
            let why: String
            if context.site.server == .haproxy {
                guard slot.slot.stapleFile == nil || brokenBy(context, slot) != nil else { return nil }
                why =
                    slot.slot.stapleFile == nil
                    ? "there is no \(slot.slot.certificate.value).ocsp" : brokenBy(context, slot)!
            } else if !context.staplingEnabled {
                why = context.site.server == .nginx ? "`ssl_stapling` is not on" : "`SSLUseStapling` is not On"
            } else if let broken = brokenBy(context, slot) {
                why = broken
            } else {
                return nil
            }
            return finding(
                slot.slot.certificate.location,
                "\(leaf.subject) in \(slot.slot.certificate.value) is Must-Staple but \(why): Firefox and other clients that honour "
                    + "it refuse the site"
            )
        }
    }

    private func brokenBy(_ context: SiteContext, _ slot: SlotFacts) -> String? {
        context.findingsSoFar.first { $0.breaksStapling }.map { "stapling is broken (\($0.ruleID) at \($0.location))" }
    }
}
