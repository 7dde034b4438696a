import OCSPCore

/// The staple file answers for another certificate.
struct StapleFileWrongCertificateRule: LintRule {
    let id = "staple-file-wrong-certificate"
    let severity = Severity.error
    let anchors: Set<String> = Anchor.haproxyCertificate.union(["ssl_stapling_file"])
    let servers: Set<ServerKind> = [.nginx, .haproxy]
    let summary = "The staple file holds no response for the served certificate"
    let fix = "Fetch the response for this certificate and issuer (`openssl ocsp -issuer ISSUER -cert CERT ...`)"

    func check(_ context: SiteContext) -> [Finding] {
        decodedStaples(context).compactMap { slot, staple in
            guard staple.matching == nil, let leaf = slot.leaf else { return nil }
            // nginx: one file for several certificates, right for one of them: nginx-staple-file-shared says it.
            if context.site.server == .nginx, context.slots.contains(where: { $0.staple?.matching != nil }) {
                return nil
            }
            let serials = staple.responses.map { $0.certID.serialNumberHex }.joined(separator: ", ")
            return finding(
                staple.file.location,
                "\(describe(staple, server: context.site.server)) answers for serial(s) \(serials), not for "
                    + "\(leaf.subject) (serial \(leaf.serialNumber.bytes.hexString)) in \(slot.slot.certificate.value); "
                    + serverBehaviour(context.site.server),
                breaksStapling: true
            )
        }
    }
}
