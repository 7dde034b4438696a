/// nginx `ssl_stapling_verify on` without `ssl_trusted_certificate`: the issuer is in the chain, but
/// nginx verifies the responder's certificate against `ssl_trusted_certificate` only.
///
/// When the issuer is nowhere, `chain-missing-issuer` reports the cause (nginx ignores stapling) instead.
struct NginxVerifyWithoutTrustRule: LintRule {
    let id = "nginx-verify-without-trust"
    let severity = Severity.error
    let anchors: Set<String> = ["ssl_stapling_verify"]
    let servers: Set<ServerKind> = [.nginx]
    let summary =
        "`ssl_stapling_verify on` with no `ssl_trusted_certificate`: no root to verify the responder's certificate against"
    let fix =
        "Add `ssl_trusted_certificate` naming the issuer and root (e.g. Let's Encrypt's chain.pem), or serve the full chain"

    func check(_ context: SiteContext) -> [Finding] {
        guard context.staplingEnabled, let verify = context.site.setting("ssl_stapling_verify"), verify.isOn,
            context.site.trustBundle == nil
        else { return [] }
        return context.slots.compactMap { slot in
            guard let leaf = slot.leaf, !leaf.isSelfSigned, slot.issuerInChain != nil, slot.slot.stapleFile == nil
            else {
                return nil
            }
            return finding(
                verify.location,
                "`ssl_stapling_verify on` (\(verify.location)) but no `ssl_trusted_certificate`: nginx verifies the responder's "
                    + "certificate for \(leaf.subject) against that file only, so responses that carry their signer's certificate "
                    + "fail (OCSP_basic_verify() failed) and nothing is stapled",
                breaksStapling: true
            )
        }
    }
}
