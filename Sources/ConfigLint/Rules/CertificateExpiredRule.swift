import OCSPCore

/// A certificate of the served chain is expired (or not yet valid) at the lint time.
struct CertificateExpiredRule: LintRule {
    let id = "certificate-expired"
    let severity = Severity.error
    let anchors: Set<String> = Anchor.certificate.union(["sslcertificatechainfile"])
    let summary = "The certificate or a certificate of its chain is expired or not yet valid"
    let fix = "Renew the certificate (or replace the chain file) and reload the server"

    func check(_ context: SiteContext) -> [Finding] {
        var findings: [Finding] = []
        for slot in context.slots {
            for (index, certificate) in slot.chain.enumerated() {
                let role = index == 0 ? "certificate" : "chain certificate \(index)"
                // The directive naming the file that holds it: the certificate file or the chain file.
                let file =
                    index >= slot.certificateFileCount
                    ? slot.slot.chain ?? slot.slot.certificate : slot.slot.certificate
                if certificate.notValidAfter < context.now {
                    findings.append(
                        finding(
                            file.location,
                            "\(role) \(certificate.subject) in \(file.value) expired at \(certificate.notValidAfter.iso8601)"
                        ))
                } else if certificate.notValidBefore > context.now {
                    findings.append(
                        finding(
                            file.location,
                            "\(role) \(certificate.subject) in \(file.value) is not valid before \(certificate.notValidBefore.iso8601)"
                        ))
                }
            }
        }
        return findings
    }
}
