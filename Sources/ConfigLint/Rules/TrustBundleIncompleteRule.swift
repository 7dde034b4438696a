/// The trust bundle used to verify responses does not lead to a root.
///
/// A bundle that lacks the issuer while no other file holds it is `chain-missing-issuer`'s cause.
struct TrustBundleIncompleteRule: LintRule {
    let id = "trust-bundle-incomplete"
    let severity = Severity.warning
    let anchors: Set<String> = ["ssl_trusted_certificate", "sslcacertificatefile", "sslcacertificatepath"]
    let servers: Set<ServerKind> = [.nginx, .apache]
    let summary = "The trusted bundle does not lead from the certificate to a root it holds"
    let fix = "Put the intermediate(s) and the root of the certificate's chain in the trusted bundle"

    func check(_ context: SiteContext) -> [Finding] {
        guard context.staplingEnabled, let bundle = context.site.trustStore, context.trustBundleProblem == nil else {
            return []
        }
        if context.site.server == .nginx, context.site.setting("ssl_stapling_verify")?.isOn != true { return [] }
        var findings: [Finding] = []
        for slot in context.slots {
            guard let leaf = slot.leaf, !leaf.isSelfSigned else { continue }
            // The issuer nowhere at all is chain-missing-issuer's cause (its message names the bundle).
            guard slot.issuer != nil else { continue }
            if slot.reachesTrustedRoot == false {
                findings.append(
                    finding(
                        bundle.location,
                        "\(bundle.value) does not lead from \(leaf.subject) to a root it holds: responses signed by a delegated responder "
                            + "cannot be verified"
                    ))
            }
        }
        return findings
    }
}
