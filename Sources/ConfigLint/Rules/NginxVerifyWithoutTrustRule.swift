/// nginx `ssl_stapling_verify on` without `ssl_trusted_certificate`, and the chain lacks the issuer.
struct NginxVerifyWithoutTrustRule: LintRule {
    let id = "nginx-verify-without-trust"
    let severity = Severity.error
    let servers: Set<ServerKind> = [.nginx]
    let summary =
        "`ssl_stapling_verify on` with no `ssl_trusted_certificate` and an `ssl_certificate` chain without the issuer"
    let fix =
        "Add `ssl_trusted_certificate` naming the issuer and root (e.g. Let's Encrypt's chain.pem), or serve the full chain"

    func check(_ context: SiteContext) -> [Finding] {
        guard context.staplingEnabled, let verify = context.site.setting("ssl_stapling_verify"), verify.isOn,
            context.site.trustBundle == nil
        else { return [] }
        return context.slots.compactMap { slot in
            guard let leaf = slot.leaf, !leaf.isSelfSigned, slot.issuerInChain == nil else { return nil }
            return finding(
                verify.location,
                "`ssl_stapling_verify on` (\(verify.location)) but no `ssl_trusted_certificate`, and \(slot.slot.certificate.value) "
                    + "does not hold \(leaf.issuer), the issuer of \(leaf.subject): nginx can neither build nor verify the request",
                breaksStapling: true
            )
        }
    }
}
