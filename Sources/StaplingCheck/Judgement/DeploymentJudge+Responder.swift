import Foundation
import OCSPCore

extension DeploymentJudge {
    // MARK: - 4. The responder

    func responderFindings(
        _ responder: ResponderEvidence, staple: OCSPVerification?, evidence: DeploymentEvidence
    ) -> [Finding] {
        switch responder {
        case .failed(let reason):
            return [
                Finding(
                    id: "responder-failed", severity: .warning,
                    seen: "--fetch: could not get an answer from the responder to compare: \(reason)",
                    fix: "check that the responder is reachable from clients and from the server")
            ]
        case .answered(let url, let fetched):
            let fetchedStatus = Self.statusName(fetched.verdict)
            if fetched.verdict != .good {
                if case .revoked(let time, _) = fetched.verdict {
                    let stapleSays = staple.map { Self.statusName($0.verdict) } ?? "nothing (no staple)"
                    let critical = staple.map { $0.verdict == .good } ?? true
                    return [
                        Finding(
                            id: "responder-revoked", severity: critical ? .critical : .warning,
                            seen:
                                "the responder \(url) now says serial \(Self.serial(evidence.leaf)) was revoked at "
                                + "\(Self.time(time)); the staple says \(stapleSays)",
                            fix:
                                "replace the certificate and deploy the new one; the server still presents a revoked certificate",
                            check: CheckReference(id: "cert-status", reference: "RFC 6960 §4.2.1"))
                    ]
                }
                if let staple, Self.statusName(staple.verdict) == fetchedStatus { return [] }
                return [
                    Finding(
                        id: "responder-differs", severity: .warning,
                        seen:
                            "the responder \(url) answers \(fetchedStatus)"
                            + (staple.map { "; the staple says \(Self.statusName($0.verdict))" } ?? ""),
                        fix:
                            "compare the responder's answer with the staple: the server may staple from another responder"
                    )
                ]
            }
            guard let staple else {
                return [
                    Finding(
                        id: "responder-agrees", severity: .ok,
                        seen: "the responder \(url) answers good: stapling this certificate is possible")
                ]
            }
            if staple.verdict != .good {
                return [
                    Finding(
                        id: "responder-differs", severity: .warning,
                        seen: "the responder \(url) answers good; the staple says \(Self.statusName(staple.verdict))",
                        fix: "staple the responder's current answer (`staple run`)")
                ]
            }
            if let fresh = fetched.thisUpdate, let stapled = staple.thisUpdate, fresh > stapled {
                return [
                    Finding(
                        id: "responder-newer", severity: .info,
                        seen:
                            "the responder \(url) has a newer answer: thisUpdate \(Self.time(fresh)), the staple's "
                            + "\(Self.time(stapled)); both say good")
                ]
            }
            return [Finding(id: "responder-agrees", severity: .ok, seen: "the responder \(url) agrees: good")]
        }
    }

    // MARK: - 5. Failed handshakes

    func handshakeFailureFindings(_ evidence: DeploymentEvidence) -> [Finding] {
        let failed = evidence.handshakes.filter { $0.observed == nil }
        guard !failed.isEmpty, !evidence.completed.isEmpty else { return [] }
        let versions = Set(failed.map(\.variant.versionName)).sorted(by: >)
        return versions.map { version in
            let first = failed.first { $0.variant.versionName == version }
            let reason: String
            if case .failure(let error) = first?.outcome { reason = error.message } else { reason = "" }
            return Finding(
                id: "handshake-failed", severity: .info,
                seen:
                    "\(version) handshake(s) offering \(first?.variant.algorithms.rawValue ?? "") signatures failed: \(reason)"
            )
        }
    }
}
