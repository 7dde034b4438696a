import Foundation
import OCSPCore

/// The staple file's nextUpdate is close: within 5 minutes HAProxy 2.6 never staples it.
struct StapleFileExpiringRule: LintRule {
    let id = "staple-file-expiring"
    let severity = Severity.warning
    let anchors: Set<String> = Anchor.haproxyCertificate.union(["ssl_stapling_file"])
    let servers: Set<ServerKind> = [.nginx, .haproxy]
    let summary = "The staple file expires within a day (HAProxy: within 5 minutes it is never stapled)"
    let fix = "Refresh staple files well before nextUpdate (e.g. at half their validity) from a timer"

    func check(_ context: SiteContext) -> [Finding] {
        decodedStaples(context).compactMap { slot, staple in
            // HAProxy 2.8+ `ocsp-update on` refreshes the file itself (haproxy-ocsp-update-delay judges how often).
            guard slot.slot.ocspUpdate?.isOn != true else { return nil }
            guard let next = staple.matching?.nextUpdate.map({ Date($0) }), next >= context.now else { return nil }
            let left = next.timeIntervalSince(context.now)
            if context.site.server == .haproxy && left < StapleFreshness.haproxyMinimum {
                return finding(
                    staple.file.location,
                    "\(describe(staple, server: context.site.server)) has \(Int(left)) s left before nextUpdate \(next.iso8601): "
                        + "HAProxy 2.6 loads it silently and never staples it (it needs 5 minutes)",
                    severity: .error, breaksStapling: true
                )
            }
            guard left < StapleFreshness.soon else { return nil }
            return finding(
                staple.file.location,
                "\(describe(staple, server: context.site.server)) expires at \(next.iso8601), in \(Int(left / 60)) minutes"
            )
        }
    }
}
