/// HAProxy 2.6 staples only what `<crt>.ocsp` holds: a certificate with an OCSP URL and no file is served without a staple.
struct HAProxyOCSPMissingRule: LintRule {
    let id = "haproxy-ocsp-missing"
    let severity = Severity.warning
    let anchors: Set<String> = Anchor.haproxyCertificate
    let servers: Set<ServerKind> = [.haproxy]
    let summary = "A certificate with an OCSP URL has no `.ocsp` file next to it (HAProxy 2.6 never fetches)"
    let fix =
        "Write `<crt>.ocsp` from a timer (`openssl ocsp ... -respout <crt>.ocsp`) and push it with `set ssl ocsp-response`"

    func check(_ context: SiteContext) -> [Finding] {
        context.slots.compactMap { slot in
            // With `ocsp-update on` (2.8+) HAProxy fetches itself; on 2.6 haproxy-ocsp-update reports the option.
            guard slot.slot.stapleFile == nil, slot.slot.ocspUpdate?.isOn != true, let leaf = slot.leaf,
                !leaf.ocspURLs.isEmpty
            else { return nil }
            return finding(
                slot.slot.certificate.location,
                "\(slot.slot.certificate.value) has an OCSP URL (\(leaf.ocspURLs[0])) but no \(slot.slot.certificate.value).ocsp: "
                    + "HAProxy 2.6 staples nothing for it",
                breaksStapling: true
            )
        }
    }
}
