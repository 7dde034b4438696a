/// Stapling needs the issuer (for the request's CertID), but the server cannot find it.
struct ChainMissingIssuerRule: LintRule {
    let id = "chain-missing-issuer"
    let severity = Severity.error
    let anchors: Set<String> = ["ssl_certificate", "sslcertificatefile", "sslcertificatechainfile"]
    let servers: Set<ServerKind> = [.nginx, .apache]
    let summary =
        "The certificate file holds only the leaf and no configured file holds its issuer, which stapling needs"
    let fix = "Use the full chain file (leaf then intermediates, e.g. Let's Encrypt's fullchain.pem) as the certificate"

    func check(_ context: SiteContext) -> [Finding] {
        guard context.staplingEnabled else { return [] }
        let site = context.site
        return context.slots.compactMap { slot in
            // nginx staples an `ssl_stapling_file` as is and never looks for the issuer.
            guard let leaf = slot.leaf, !leaf.isSelfSigned, slot.issuer == nil, slot.slot.stapleFile == nil else {
                return nil
            }
            let places =
                site.server == .nginx
                ? "`ssl_certificate` nor `ssl_trusted_certificate`"
                : "`SSLCertificateFile`, `SSLCertificateChainFile`, `SSLCACertificateFile` nor `SSLCACertificatePath`"
            var consequence =
                site.server == .nginx
                ? "nginx logs \"ssl_stapling\" ignored, issuer certificate not found (`nginx -t` only warns), and staples nothing"
                : "mod_ssl cannot build the OCSP request and staples nothing"
            // What else this cause breaks is part of this finding, not another one.
            if site.server == .nginx, let verify = site.setting("ssl_stapling_verify"), verify.isOn {
                consequence += "; `ssl_stapling_verify on` (\(verify.location)) has nothing to verify against either"
            }
            if let bundle = site.trustStore, context.trustBundleProblem == nil {
                consequence += "; \(bundle.value) (\(bundle.location)) lacks it too"
                if context.unhashedInTrustDirectory.contains(where: { $0.subject == leaf.issuer }) {
                    consequence +=
                        " under a name OpenSSL looks up (it is there, but not as HASH.0: run `openssl rehash \(bundle.value)`)"
                }
            }
            let location = slot.slot.chain?.location ?? slot.slot.certificate.location
            return finding(
                location,
                "the issuer of \(leaf.subject) (\(leaf.issuer)) is in neither \(places): \(consequence)",
                breaksStapling: true
            )
        }
    }
}
