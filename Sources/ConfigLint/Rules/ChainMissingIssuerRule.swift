/// Stapling needs the issuer (for the request's CertID), but the server cannot find it.
struct ChainMissingIssuerRule: LintRule {
    let id = "chain-missing-issuer"
    let severity = Severity.error
    let servers: Set<ServerKind> = [.nginx, .apache]
    let summary =
        "The certificate file holds only the leaf and no configured file holds its issuer, which stapling needs"
    let fix = "Use the full chain file (leaf then intermediates, e.g. Let's Encrypt's fullchain.pem) as the certificate"

    func check(_ context: SiteContext) -> [Finding] {
        guard context.staplingEnabled else { return [] }
        // nginx with ssl_stapling_verify and no trusted bundle: NginxVerifyWithoutTrustRule says it.
        if context.site.server == .nginx, context.site.setting("ssl_stapling_verify")?.isOn == true,
            context.site.trustBundle == nil
        {
            return []
        }
        return context.slots.compactMap { slot in
            guard let leaf = slot.leaf, !leaf.isSelfSigned, slot.issuer == nil,
                slot.slot.stapleFile == nil || context.site.server == .nginx
            else { return nil }
            let places =
                context.site.server == .nginx
                ? "`ssl_certificate` nor `ssl_trusted_certificate`"
                : "`SSLCertificateFile`, `SSLCertificateChainFile` nor `SSLCACertificateFile`"
            let consequence =
                context.site.server == .nginx
                ? "nginx logs \"ssl_stapling\" ignored, issuer certificate not found, and staples nothing"
                : "mod_ssl cannot build the OCSP request and staples nothing"
            return finding(
                slot.slot.certificate.location,
                "the issuer of \(leaf.subject) (\(leaf.issuer)) is in neither \(places): \(consequence)",
                breaksStapling: true
            )
        }
    }
}
