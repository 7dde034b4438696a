import Foundation

/// HAProxy's automatic OCSP update waits at least `mindelay` between two updates of a response: when
/// that is longer than the responses are valid, the stapled response expires before it is refreshed.
struct HAProxyOCSPUpdateDelayRule: LintRule {
    let id = "haproxy-ocsp-update-delay"
    let severity = Severity.error
    let anchors: Set<String> = ["tune.ssl.ocsp-update.mindelay", "ocsp-update.mindelay"]
    let servers: Set<ServerKind> = [.haproxy]
    let summary = "`ocsp-update.mindelay` (2.8: `tune.ssl.ocsp-update.mindelay`) is longer than the responses are valid"
    let fix = "Keep the minimum delay well below the responses' validity (the default is 300 s)"

    func check(_ context: SiteContext) -> [Finding] {
        let site = context.site
        guard
            let directive = site.serverWideSetting("ocsp-update.mindelay")
                ?? site.serverWideSetting("tune.ssl.ocsp-update.mindelay"),
            let delay = TimeInterval(directive.value)
        else { return [] }
        return context.slots.compactMap { slot in
            guard slot.slot.ocspUpdate?.isOn == true, let single = slot.staple?.matching,
                let next = single.nextUpdate.map({ Date($0) })
            else { return nil }
            let validity = next.timeIntervalSince(Date(single.thisUpdate))
            guard delay >= validity else { return nil }
            return finding(
                directive.location,
                "`\(directive.text)` (\(directive.location)): HAProxy waits at least \(Int(delay)) s between updates, but "
                    + "\(slot.staple!.file.value) is valid \(Int(validity)) s: it expires before each refresh",
                breaksStapling: true
            )
        }
    }
}
