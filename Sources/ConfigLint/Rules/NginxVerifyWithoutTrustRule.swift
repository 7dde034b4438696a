/// nginx `ssl_stapling_verify on` without `ssl_trusted_certificate`, the issuer in the chain.
///
/// Measured with nginx 1.22: a response signed by the issuer itself verifies against the chain, but
/// one signed by a delegated responder fails (`OCSP_basic_verify() failed ... unable to get local
/// issuer certificate`) and nothing is stapled; nginx's documentation asks for the file. A warning:
/// it works until the CA signs through a delegated responder.
///
/// When the issuer is nowhere, `chain-missing-issuer` reports the cause (nginx ignores stapling) instead.
struct NginxVerifyWithoutTrustRule: LintRule {
    let id = "nginx-verify-without-trust"
    let severity = Severity.warning
    let anchors: Set<String> = ["ssl_stapling_verify"]
    let servers: Set<ServerKind> = [.nginx]
    let summary =
        "`ssl_stapling_verify on` with no `ssl_trusted_certificate`: responses from a delegated responder cannot be verified"
    let fix =
        "Add `ssl_trusted_certificate` naming the issuer and the root, as nginx's documentation asks for `ssl_stapling_verify`"

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
                "`ssl_stapling_verify on` (\(verify.location)) but no `ssl_trusted_certificate`: responses for \(leaf.subject) "
                    + "verify only while the CA signs them with \(leaf.issuer) itself; from a delegated responder they fail "
                    + "(OCSP_basic_verify() failed: unable to get local issuer certificate) and nothing is stapled"
            )
        }
    }
}
