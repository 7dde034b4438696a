/// The human-readable rendering of a ``ResponseReport``, laid out like `openssl ocsp -resp_text`.
extension ResponseReport {
    public var text: String {
        var lines = ["OCSP Response Data:", "    OCSP Response Status: \(responseStatus)"]
        if let responseType {
            lines.append("    Response Type: \(responseType == "basic" ? "Basic OCSP Response" : responseType)")
        }
        if let version { lines.append("    Version: \(version)") }
        if let responderID { lines.append("    Responder Id: \(responderID)") }
        if let producedAt { lines.append("    Produced At: \(producedAt)") }
        if responseType != nil { lines.append("    Responses:") }
        for single in responses {
            lines += [
                "    Certificate ID:",
                "      Hash Algorithm: \(single.certID.hashAlgorithm)",
                "      Issuer Name Hash: \(single.certID.issuerNameHash)",
                "      Issuer Key Hash: \(single.certID.issuerKeyHash)",
                "      Serial Number: \(single.certID.serialNumber)",
                "    Cert Status: \(single.status)",
            ]
            if let time = single.revocationTime { lines.append("    Revocation Time: \(time)") }
            if let reason = single.revocationReason { lines.append("    Revocation Reason: \(reason)") }
            lines.append("    This Update: \(single.thisUpdate)")
            lines.append("    Next Update: \(single.nextUpdate ?? "(none)")")
            lines += Self.extensionLines(single.extensions, indent: "    ")
        }
        if !extensions.isEmpty {
            lines.append("    Response Extensions:")
            lines += Self.extensionLines(extensions, indent: "        ")
        }
        if let signatureAlgorithm { lines.append("    Signature Algorithm: \(signatureAlgorithm)") }
        for (index, cert) in certificates.enumerated() {
            lines += [
                "    Certificate \(index + 1):",
                "        Subject: \(cert.subject)",
                "        Issuer: \(cert.issuer)",
                "        Serial Number: \(cert.serialNumber)",
                "        Validity: \(cert.notBefore) to \(cert.notAfter)",
                "        OCSP Signing: \(cert.ocspSigning ? "yes" : "no")",
            ]
        }
        if let verification {
            lines.append("")
            lines.append("Verification at \(verification.at):")
            for check in verification.checks {
                let mark = check.outcome == "passed" ? "ok  " : (check.outcome == "warning" ? "warn" : "FAIL")
                lines.append("    [\(mark)] \(check.id) (\(check.reference)): \(check.detail)")
            }
            var verdict = "Verdict: \(verification.verdict)"
            if let reason = verification.reason { verdict += " (\(reason))" }
            lines.append(verdict)
            lines.append("Stapleable: \(verification.stapleable ? "yes" : "no")")
        }
        return lines.joined(separator: "\n")
    }

    private static func extensionLines(_ extensions: [ExtensionReport], indent: String) -> [String] {
        extensions.map { "\(indent)\($0.name ?? $0.oid)\($0.critical ? " (critical)" : ""): \($0.value)" }
    }
}
