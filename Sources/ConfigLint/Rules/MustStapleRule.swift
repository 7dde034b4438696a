/// A Must-Staple certificate served without working stapling: clients that honour it refuse the site.
///
/// One finding per cause: when another finding already says why stapling is broken, that finding
/// carries the Must-Staple consequence (``escalate(_:in:)``: critical, and named in its text) and
/// this rule adds nothing. It reports on its own only what no other rule does: stapling switched
/// off or never switched on (at the `ssl_stapling off` / `SSLUseStapling Off` line when written,
/// else at the certificate), a HAProxy certificate without `.ocsp` or OCSP URL.
struct MustStapleRule: LintRule {
    let id = "must-staple-not-stapled"
    let severity = Severity.critical
    let anchors: Set<String> = Anchor.certificate.union(["ssl_stapling", "sslusestapling"])
    let summary = "A Must-Staple certificate (TLS Feature status_request) is served without working stapling"
    let fix = "Make stapling work (fix the other findings for this site) or get a certificate without Must-Staple"

    func check(_ context: SiteContext) -> [Finding] {
        context.slots.compactMap { slot in
            guard let leaf = slot.leaf, leaf.isMustStaple else { return nil }
            let why: String
            var location = slot.slot.certificate.location
            switch context.site.server {
            case .haproxy:
                // With an OCSP URL, haproxy-ocsp-missing reports the missing file.
                guard slot.slot.stapleFile == nil, leaf.ocspURLs.isEmpty else { return nil }
                why = "there is no \(slot.slot.certificate.value).ocsp and the certificate names no OCSP responder"
            case .nginx, .apache:
                guard !context.staplingEnabled else { return nil }
                let name = context.site.server == .nginx ? "ssl_stapling" : "SSLUseStapling"
                if !context.site.canStaple {
                    why = "\(context.site.name) is a stream{} server, where nginx cannot staple"
                } else if let off = context.site.setting(name) {
                    location = off.location
                    why = "`\(off.text)` (\(off.location)) switches stapling off"
                } else {
                    why = "`\(name)` is not on"
                }
            }
            return finding(
                location,
                "\(leaf.subject) in \(slot.slot.certificate.value) is Must-Staple but \(why): Firefox and other clients that honour "
                    + "it refuse the site"
            )
        }
    }

    /// The findings of a site with a Must-Staple certificate, those that break its stapling made
    /// critical and their text completed with what Must-Staple clients do.
    ///
    /// A finding is about a Must-Staple certificate when it points at one of its files' lines, or at
    /// a line that belongs to no other certificate (`ssl_stapling on`, a trust bundle, ...).
    static func escalate(_ findings: [Finding], in context: SiteContext) -> [Finding] {
        func lines(_ slot: SlotFacts) -> Set<SourceLocation> {
            let slot = slot.slot
            return Set(
                [
                    slot.certificate.location, slot.key?.location, slot.chain?.location, slot.stapleFile?.location,
                    slot.issuerFile?.location,
                ].compactMap { $0 })
        }
        let must = context.slots.filter { $0.leaf?.isMustStaple == true }
        guard let leaf = must.first?.leaf else { return findings }
        let mustLines = must.reduce(into: Set<SourceLocation>()) { $0.formUnion(lines($1)) }
        let otherLines = context.slots.filter { $0.leaf?.isMustStaple != true }.reduce(into: Set<SourceLocation>()) {
            $0.formUnion(lines($1))
        }
        return findings.map { finding in
            guard finding.breaksStapling, finding.ruleID != "must-staple-not-stapled",
                mustLines.contains(finding.location) || !otherLines.contains(finding.location)
            else { return finding }
            var finding = finding
            finding.severity = .critical
            finding.message +=
                "; \(leaf.subject) is Must-Staple, so Firefox and other clients that honour it refuse the site"
            return finding
        }
    }
}
