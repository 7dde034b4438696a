/// The staple file holds several SingleResponses; servers staple the whole thing.
struct StapleFileSeveralResponsesRule: LintRule {
    let id = "staple-file-several-responses"
    let severity = Severity.warning
    let servers: Set<ServerKind> = [.nginx, .haproxy]
    let summary = "The staple file holds responses for several certificates"
    let fix = "Request the status of this one certificate only, one file per certificate"

    func check(_ context: SiteContext) -> [Finding] {
        decodedStaples(context).compactMap { _, staple in
            guard staple.responses.count > 1 else { return nil }
            return finding(
                staple.file.location,
                "\(describe(staple, server: context.site.server)) holds \(staple.responses.count) SingleResponses: "
                    + "every handshake carries them all, and HAProxy uses only the first"
            )
        }
    }
}
