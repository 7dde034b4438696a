/// The staple file says the responder does not know the certificate.
struct StapleFileUnknownStatusRule: LintRule {
    let id = "staple-file-unknown-status"
    let severity = Severity.error
    let anchors: Set<String> = Anchor.haproxyCertificate.union(["ssl_stapling_file"])
    let servers: Set<ServerKind> = [.nginx, .haproxy]
    let summary = "The staple file's status is unknown"
    let fix = "Check that the response comes from the certificate's own CA responder, with the right issuer"

    func check(_ context: SiteContext) -> [Finding] {
        decodedStaples(context).compactMap { slot, staple in
            guard case .unknown? = staple.matching?.certStatus, let leaf = slot.leaf else { return nil }
            return finding(
                staple.file.location,
                "\(describe(staple, server: context.site.server)) says the responder does not know \(leaf.subject): "
                    + "the staple is useless to clients",
                breaksStapling: true
            )
        }
    }
}
