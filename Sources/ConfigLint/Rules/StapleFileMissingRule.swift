/// The staple file is missing or unreadable.
struct StapleFileMissingRule: LintRule {
    let id = "staple-file-missing"
    let severity = Severity.error
    let anchors: Set<String> = ["ssl_stapling_file"]
    // HAProxy side files are only looked at when they exist; one it cannot read is not stapled.
    let servers: Set<ServerKind> = [.nginx]
    let summary = "The staple file named by `ssl_stapling_file` is missing or unreadable"
    let fix = "Create the file with a fresh DER response (`openssl ocsp ... -respout FILE`) or remove the directive"

    func check(_ context: SiteContext) -> [Finding] {
        context.slots.compactMap { slot in
            guard let staple = slot.staple, let problem = staple.problem else { return nil }
            return finding(problem.location, "staple file \(problem.path) \(problem.reason)", breaksStapling: true)
        }
    }
}
