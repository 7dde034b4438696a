/// HAProxy refuses to start when a `.ocsp` file has no issuer: no `.issuer` file and none in the PEM.
struct HAProxyOCSPWithoutIssuerRule: LintRule {
    let id = "haproxy-ocsp-no-issuer"
    let severity = Severity.error
    let anchors: Set<String> = Anchor.haproxyCertificate
    let servers: Set<ServerKind> = [.haproxy]
    let summary = "A `.ocsp` file with no `.issuer` file and no issuer in the certificate PEM: HAProxy refuses to start"
    let fix = "Append the intermediate to the certificate PEM, or put it in `<crt>.issuer`"

    func check(_ context: SiteContext) -> [Finding] {
        context.slots.compactMap { slot in
            guard let staple = slot.staple, staple.problem == nil, let leaf = slot.leaf, !leaf.isSelfSigned,
                slot.issuerInChain == nil, slot.issuerInIssuerFile == nil
            else { return nil }
            return finding(
                slot.slot.certificate.location,
                "\(staple.file.value) exists but neither \(slot.slot.certificate.value) nor a .issuer file holds \(leaf.issuer): "
                    + "HAProxy fails to load the certificate and refuses to start",
                breaksStapling: true
            )
        }
    }
}
