/// The staple file's response has no nextUpdate: no upper bound on its life.
struct StapleFileNoNextUpdateRule: LintRule {
    let id = "staple-file-no-next-update"
    let severity = Severity.warning
    let anchors: Set<String> = Anchor.haproxyCertificate.union(["ssl_stapling_file"])
    let servers: Set<ServerKind> = [.nginx, .haproxy]
    let summary = "The staple file's response has no nextUpdate"
    let fix = "Use a responder that sets nextUpdate (`openssl ocsp -ndays N`); such responses must not be stapled"

    func check(_ context: SiteContext) -> [Finding] {
        decodedStaples(context).compactMap { _, staple in
            guard let single = staple.matching, single.nextUpdate == nil else { return nil }
            if context.site.server == .haproxy {
                return finding(
                    staple.file.location,
                    "\(describe(staple, server: .haproxy)) has no nextUpdate: HAProxy 2.6 only warns and staples nothing",
                    severity: .error, breaksStapling: true
                )
            }
            return finding(
                staple.file.location,
                "\(describe(staple, server: context.site.server)) has no nextUpdate: it never goes stale for nginx, "
                    + "and clients cannot tell how old it is"
            )
        }
    }
}
