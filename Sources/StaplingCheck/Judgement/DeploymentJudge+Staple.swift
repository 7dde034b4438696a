import Foundation
import OCSPCore

extension DeploymentJudge {
    // MARK: - 3. The staple

    func stapleFindings(_ staple: StapleEvidence, evidence: DeploymentEvidence, now: Date) -> [Finding] {
        guard let verification = staple.verification else { return [] }  // issuer-missing says why
        let leafSerial = Self.serial(evidence.leaf)
        let failed = verification.checks.last { $0.outcome == .failed }
        let failedReference = failed.map { CheckReference(id: $0.id, reference: $0.reference) }
        let refresh =
            "replace the staple with a fresh response from the responder (`staple fetch`, or keep it fresh with "
            + "`staple run`); nginx and HAProxy serve a staple file as they find it"
        switch verification.verdict {
        case .responderError(let status):
            return [
                Finding(
                    id: "staple-responder-error", severity: .critical,
                    seen:
                        "the staple is an OCSP response with status \(status) and no answer in it: clients cannot use it",
                    fix: "never staple an error response: " + refresh, check: failedReference)
            ]
        case .rejected(let rejection):
            let checkText = failed.map { "check `\($0.id)` (\($0.reference)) failed: \($0.detail)" } ?? rejection.reason
            if rejection.code == .expired {
                let ago = verification.nextUpdate.map { " (\(Self.hours(now.timeIntervalSince($0))) h ago)" } ?? ""
                return [
                    Finding(
                        id: "staple-expired", severity: .critical,
                        seen:
                            "the staple is expired: nextUpdate \(Self.time(verification.nextUpdate))\(ago); \(checkText)",
                        fix: refresh, check: failedReference)
                ]
            }
            if rejection.code == .notYetValid {
                return [
                    Finding(
                        id: "staple-not-yet-valid", severity: .critical,
                        seen: "the staple is not yet valid: \(checkText)",
                        fix: "check the clocks of the server and the responder; " + refresh, check: failedReference)
                ]
            }
            return [
                Finding(
                    id: "staple-rejected", severity: .critical,
                    seen: "the staple does not verify: \(checkText)",
                    fix: refresh + "; a response must be signed by the issuer or a responder it authorized",
                    check: failedReference)
            ]
        case .noStatus:
            let serials = Self.serials(verification).joined(separator: ", ")
            let check = verification.checks.first { $0.id == "certid-match" }
            return [
                Finding(
                    id: "staple-for-another-certificate", severity: .critical,
                    seen:
                        "the staple is for another certificate: it speaks about serial(s) \(serials.isEmpty ? "(none)" : serials), "
                        + "the certificate served has serial \(leafSerial)",
                    fix:
                        "give each certificate its own staple: a staple left over from before a renewal must be "
                        + "replaced, and nginx's one `ssl_stapling_file` per server{} is sent for its RSA and ECDSA "
                        + "certificates alike (use `ssl_stapling on` without a file, separate server{} blocks, or "
                        + "`staple serve`)",
                    check: check.map { CheckReference(id: $0.id, reference: $0.reference) }
                        ?? CheckReference(id: "certid-match", reference: "RFC 6960 §4.1.1, §3.2 item 1"))
            ]
        case .revoked(let time, let reason):
            return [
                Finding(
                    id: "staple-revoked", severity: .critical,
                    seen:
                        "the staple says serial \(leafSerial) was revoked at \(Self.time(time))"
                        + (reason.map { " (\($0))" } ?? ""),
                    fix: "replace the certificate (and its key, if compromised) and deploy the new one",
                    check: CheckReference(id: "cert-status", reference: "RFC 6960 §4.2.1"))
            ]
        case .unknown:
            return [
                Finding(
                    id: "staple-unknown", severity: .critical,
                    seen: "the staple says the responder does not know serial \(leafSerial) (status unknown)",
                    fix:
                        "the staple comes from a responder that does not know this certificate: fetch it from the "
                        + "responder the certificate names (\(evidence.leaf.ocspURLs.joined(separator: ", ")))",
                    check: CheckReference(id: "cert-status", reference: "RFC 6960 §4.2.1"))
            ]
        case .good:
            guard let nextUpdate = verification.nextUpdate else {
                let check = verification.checks.first { $0.id == "next-update" }
                return [
                    Finding(
                        id: "staple-no-next-update", severity: .warning,
                        seen:
                            "the staple says good but has no nextUpdate: nothing bounds its life, and clients may "
                            + "refuse it (RFC 5019 §2.2.4)",
                        fix: "have the responder set nextUpdate (openssl ocsp: -ndays); " + refresh,
                        check: check.map { CheckReference(id: $0.id, reference: $0.reference) })
                ]
            }
            let left = nextUpdate.timeIntervalSince(now) / 3600
            let window =
                "good, thisUpdate \(Self.time(verification.thisUpdate)), nextUpdate \(Self.time(nextUpdate)) "
                + "(\(Self.hours(left * 3600)) h left)"
            let check = CheckReference(id: "next-update", reference: "RFC 6960 §3.2 item 6")
            if left < policy.criticalHours || left < policy.warningHours {
                let critical = left < policy.criticalHours
                return [
                    Finding(
                        id: "staple-expiring", severity: critical ? .critical : .warning,
                        seen:
                            "the staple expires soon: \(window), under the \(critical ? "critical" : "warning") "
                            + "threshold of \(Self.hours((critical ? policy.criticalHours : policy.warningHours) * 3600)) h",
                        fix: "refresh staples at half their validity (`staple run`); " + refresh, check: check)
                ]
            }
            return [Finding(id: "staple-valid", severity: .ok, seen: "the staple verifies: \(window)", check: check)]
        }
    }
}
