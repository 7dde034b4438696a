/// The staple file holds several SingleResponses; servers staple the whole thing.
struct StapleFileSeveralResponsesRule: LintRule {
    let id = "staple-file-several-responses"
    let severity = Severity.warning
    let anchors: Set<String> = Anchor.haproxyCertificate.union(["ssl_stapling_file"])
    let servers: Set<ServerKind> = [.nginx, .haproxy]
    let summary = "The staple file holds responses for several certificates (HAProxy 2.6 ignores such a file)"
    let fix = "Request the status of this one certificate only, one file per certificate"

    func check(_ context: SiteContext) -> [Finding] {
        decodedStaples(context).compactMap { _, staple in
            guard staple.responses.count > 1 else { return nil }
            if context.site.server == .haproxy {
                return finding(
                    staple.file.location,
                    "\(describe(staple, server: .haproxy)) holds \(staple.responses.count) SingleResponses: HAProxy 2.6 only warns "
                        + "(\"contains multiple single responses\") and staples nothing",
                    severity: .error, breaksStapling: true
                )
            }
            return finding(
                staple.file.location,
                "\(describe(staple, server: context.site.server)) holds \(staple.responses.count) SingleResponses: "
                    + "every handshake carries them all"
            )
        }
    }
}
