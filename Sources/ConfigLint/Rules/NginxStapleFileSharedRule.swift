/// One `ssl_stapling_file` for a `server{}` with several certificates (RSA and ECDSA): nginx staples
/// the same response for each, so every certificate but one gets another certificate's response.
struct NginxStapleFileSharedRule: LintRule {
    let id = "nginx-staple-file-shared"
    let severity = Severity.error
    let anchors: Set<String> = ["ssl_stapling_file"]
    let servers: Set<ServerKind> = [.nginx]
    let summary = "One `ssl_stapling_file` for several certificates: each but one staples another's response"
    let fix =
        "Drop `ssl_stapling_file` and let nginx fetch, or serve each certificate from its own server{} with its own file"

    func check(_ context: SiteContext) -> [Finding] {
        guard context.slots.count > 1,
            let matched = context.slots.first(where: { $0.staple?.matching != nil }),
            let staple = matched.staple, let owner = matched.leaf
        else { return [] }
        let others = context.slots.filter { $0.staple?.matching == nil && $0.leaf != nil }
        guard !others.isEmpty else { return [] }
        let names = others.map { "\($0.leaf!.subject) (\($0.slot.certificate.value))" }.joined(separator: ", ")
        return [
            finding(
                staple.file.location,
                "\(describe(staple, server: .nginx)) answers for \(owner.subject) only, but nginx staples it for every "
                    + "certificate of \(context.site.name): clients served \(names) get a response for another certificate",
                breaksStapling: true
            )
        ]
    }
}
