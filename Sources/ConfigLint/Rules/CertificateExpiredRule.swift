import OCSPCore

/// A certificate of the served chain is expired (or not yet valid) at the lint time.
struct CertificateExpiredRule: LintRule {
    let id = "certificate-expired"
    let severity = Severity.error
    let summary = "The certificate or a certificate of its chain is expired or not yet valid"
    let fix = "Renew the certificate (or replace the chain file) and reload the server"

    func check(_ context: SiteContext) -> [Finding] {
        var findings: [Finding] = []
        for slot in context.slots {
            for (index, certificate) in slot.chain.enumerated() {
                let role = index == 0 ? "certificate" : "chain certificate \(index)"
                if certificate.notValidAfter < context.now {
                    findings.append(
                        finding(
                            slot.slot.certificate.location,
                            "\(role) \(certificate.subject) in \(slot.slot.certificate.value) expired at \(certificate.notValidAfter.iso8601)"
                        ))
                } else if certificate.notValidBefore > context.now {
                    findings.append(
                        finding(
                            slot.slot.certificate.location,
                            "\(role) \(certificate.subject) in \(slot.slot.certificate.value) is not valid before \(certificate.notValidBefore.iso8601)"
                        ))
                }
            }
        }
        return findings
    }
}
