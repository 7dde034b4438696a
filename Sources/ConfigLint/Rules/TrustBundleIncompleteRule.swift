/// The trust bundle used to verify responses lacks the issuer, or the chain up to a root.
struct TrustBundleIncompleteRule: LintRule {
    let id = "trust-bundle-incomplete"
    let severity = Severity.error
    let servers: Set<ServerKind> = [.nginx, .apache]
    let summary = "The trusted bundle lacks the leaf's issuer or the chain up to a root"
    let fix = "Put the intermediate(s) and the root of the certificate's chain in the trusted bundle"

    func check(_ context: SiteContext) -> [Finding] {
        guard context.staplingEnabled, let bundle = context.site.trustBundle, context.trustBundleProblem == nil else {
            return []
        }
        if context.site.server == .nginx, context.site.setting("ssl_stapling_verify")?.isOn != true { return [] }
        var findings: [Finding] = []
        for slot in context.slots {
            guard let leaf = slot.leaf, !leaf.isSelfSigned else { continue }
            if slot.issuerInBundle == nil && slot.issuerInChain == nil {
                findings.append(
                    finding(
                        bundle.location,
                        "\(bundle.value) lacks \(leaf.issuer), the issuer of \(leaf.subject), and the certificate file does not hold it either: "
                            + "responses cannot be verified",
                        breaksStapling: true
                    ))
            } else if slot.reachesTrustedRoot == false {
                findings.append(
                    finding(
                        bundle.location,
                        "\(bundle.value) does not lead from \(leaf.subject) to a root it holds: responses signed by a delegated responder "
                            + "cannot be verified",
                        severity: .warning
                    ))
            }
        }
        return findings
    }
}
