/// HAProxy 2.8+ `ocsp-update on` for a certificate whose issuer it cannot find: it refuses to start.
struct HAProxyOCSPUpdateWithoutIssuerRule: LintRule {
    let id = "haproxy-ocsp-update-no-issuer"
    let severity = Severity.error
    let anchors: Set<String> = ["load", Anchor.crtListEntry]
    let servers: Set<ServerKind> = [.haproxy]
    let summary = "`ocsp-update on` for a certificate with no issuer in its PEM and no `.issuer`: HAProxy won't start"
    let fix = "Append the intermediate to the certificate PEM, or name it (`issuer` in `load`, or `<crt>.issuer`)"

    func check(_ context: SiteContext) -> [Finding] {
        context.slots.compactMap { slot in
            guard let update = slot.slot.ocspUpdate, update.isOn, let leaf = slot.leaf, !leaf.isSelfSigned,
                slot.issuerInChain == nil, slot.issuerInIssuerFile == nil,
                // A .ocsp without issuer is haproxy-ocsp-no-issuer's finding, on the same cause.
                slot.staple == nil || slot.staple?.problem != nil
            else { return nil }
            return finding(
                update.location,
                "`ocsp-update on` (\(update.location)) for \(slot.slot.certificate.value), but neither it nor an issuer file holds "
                    + "\(leaf.issuer): HAProxy 2.8+ cannot build the OCSP request and refuses to start",
                breaksStapling: true
            )
        }
    }
}
