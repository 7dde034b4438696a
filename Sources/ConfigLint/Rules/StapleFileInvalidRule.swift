/// The staple file is not a successful DER OCSP response.
struct StapleFileInvalidRule: LintRule {
    let id = "staple-file-invalid"
    let severity = Severity.error
    let anchors: Set<String> = Anchor.haproxyCertificate.union(["ssl_stapling_file"])
    let servers: Set<ServerKind> = [.nginx, .haproxy]
    let summary = "The staple file is not a DER OCSP response, or holds an error status (e.g. tryLater)"
    let fix =
        "Write the DER response itself (not PEM, not base64, not an HTTP body with headers) from a successful request"

    func check(_ context: SiteContext) -> [Finding] {
        context.slots.compactMap { slot in
            guard let staple = slot.staple, staple.problem == nil else { return nil }
            if let error = staple.decodeError {
                return finding(
                    staple.file.location, "\(describe(staple, server: context.site.server)): \(error)",
                    breaksStapling: true)
            }
            if let status = staple.responderStatus {
                return finding(
                    staple.file.location,
                    "\(describe(staple, server: context.site.server)) holds the responder error \(status), not a status: "
                        + "clients get no usable staple",
                    breaksStapling: true
                )
            }
            return nil
        }
    }
}
