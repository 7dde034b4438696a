import Foundation
import OCSPCore

/// The staple file says the certificate is revoked.
struct StapleFileRevokedRule: LintRule {
    let id = "staple-file-revoked"
    let severity = Severity.critical
    let anchors: Set<String> = Anchor.haproxyCertificate.union(["ssl_stapling_file"])
    let servers: Set<ServerKind> = [.nginx, .haproxy]
    let summary = "The staple file says the certificate is revoked"
    let fix = "Replace the certificate now; clients that get this staple refuse the site"

    func check(_ context: SiteContext) -> [Finding] {
        decodedStaples(context).compactMap { slot, staple in
            guard case .revoked(let time, let reason)? = staple.matching?.certStatus, let leaf = slot.leaf else {
                return nil
            }
            return finding(
                staple.file.location,
                "\(describe(staple, server: context.site.server)) says \(leaf.subject) was revoked at \(Date(time).iso8601)"
                    + (reason.map { " (\($0))" } ?? "") + ": every client that reads it refuses the site",
                breaksStapling: true
            )
        }
    }
}
