import Foundation
import OCSPCore

/// The staple file's nextUpdate has passed (or its thisUpdate is in the future).
struct StapleFileExpiredRule: LintRule {
    let id = "staple-file-expired"
    let severity = Severity.error
    let anchors: Set<String> = Anchor.haproxyCertificate.union(["ssl_stapling_file"])
    let servers: Set<ServerKind> = [.nginx, .haproxy]
    let summary = "The staple file's response has expired (nextUpdate passed) or is not yet valid"
    let fix =
        "Refresh the file from a timer (before nextUpdate) and reload; or let the server fetch (nginx: drop ssl_stapling_file)"

    func check(_ context: SiteContext) -> [Finding] {
        decodedStaples(context).compactMap { _, staple in
            guard let single = staple.matching else { return nil }
            let thisUpdate = Date(single.thisUpdate)
            if thisUpdate > context.now.addingTimeInterval(OCSPVerifier.defaultClockSkew) {
                return finding(
                    staple.file.location,
                    "\(describe(staple, server: context.site.server)) is not valid before its thisUpdate \(thisUpdate.iso8601)",
                    breaksStapling: true
                )
            }
            guard let next = single.nextUpdate.map({ Date($0) }), next < context.now else { return nil }
            return finding(
                staple.file.location,
                "\(describe(staple, server: context.site.server)) expired at \(next.iso8601) (nextUpdate); "
                    + serverBehaviour(context.site.server),
                breaksStapling: true
            )
        }
    }
}
