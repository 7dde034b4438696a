/// A certificate, chain, key, issuer or trust file a site names cannot be used.
struct CertificateUnreadableRule: LintRule {
    let id = "certificate-unreadable"
    let severity = Severity.error
    let anchors: Set<String> = Anchor.certificate.union([
        "ssl_certificate_key", "ssl_trusted_certificate", "sslcertificatekeyfile", "sslcertificatechainfile",
        "sslcacertificatefile", "sslcacertificatepath",
    ])
    let summary = "A certificate, key, chain, issuer or trust bundle file is missing or unreadable"
    let fix = "Point the directive at an existing PEM file the server can read"

    func check(_ context: SiteContext) -> [Finding] {
        var problems = context.slots.flatMap(\.problems)
        if let bundle = context.trustBundleProblem { problems.append(bundle) }
        var seen: Set<String> = []
        return problems.filter { seen.insert($0.path).inserted }.map { problem in
            finding(problem.location, "\(problem.path) \(problem.reason)", breaksStapling: true)
        }
    }
}
