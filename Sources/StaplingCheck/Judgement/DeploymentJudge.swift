import Foundation
import OCSPCore
import X509

/// Judges one deployment from what was observed: pure, no I/O, `now` a parameter.
///
/// The findings, in the order they are considered (docs/check.md has the table):
///
/// 1. Chain: `issuer-missing` (critical), `chain-incomplete` (warning), `chain-untrusted` (warning).
/// 2. Presence: `no-ocsp-url` (info; critical with Must-Staple), `no-staple` (warning; critical with
///    Must-Staple), `lazy-fetching` and `intermittent-staple` (warning; critical with Must-Staple),
///    `staple-changed` (info).
/// 3. The latest staple, by the OCSP core's verdict, naming the check that decided it:
///    `staple-responder-error`, `staple-rejected`, `staple-expired`, `staple-not-yet-valid`,
///    `staple-for-another-certificate`, `staple-revoked`, `staple-unknown` (critical),
///    `staple-no-next-update` (warning), `staple-expiring` (warning or critical), `staple-valid` (ok).
/// 4. The responder asked directly (`--fetch`): `responder-revoked` (critical), `responder-differs`
///    (warning), `responder-newer` (info), `responder-failed` (warning), `responder-agrees` (ok).
/// 5. `handshake-failed` (info): an offered TLS version that failed while another worked.
///
/// - Important: `now` is the time the judgement is made for; the judge never reads the clock.
package struct DeploymentJudge: Sendable {
    package var policy: CheckPolicy

    package init(policy: CheckPolicy = CheckPolicy()) {
        self.policy = policy
    }

    /// The report for `evidence` at `now`.
    package func judge(_ evidence: DeploymentEvidence, now: Date) -> DeploymentReport {
        var findings: [Finding] = []
        findings += chainFindings(evidence)
        findings += presenceFindings(evidence)
        let latest = evidence.staples.last
        if let latest { findings += stapleFindings(latest, evidence: evidence, now: now) }
        if let responder = evidence.responder {
            findings += responderFindings(responder, staple: latest?.verification, evidence: evidence)
        }
        findings += handshakeFailureFindings(evidence)
        let completed = evidence.completed
        let stapled = completed.filter(\.isStapled).count
        let leaf = evidence.leaf
        return DeploymentReport(
            keyType: Self.keyType(leaf), serial: Self.serial(leaf), subject: "\(leaf.subject)",
            issuer: "\(leaf.issuer)", notAfter: leaf.notValidAfter, mustStaple: leaf.isMustStaple,
            ocspURLs: leaf.ocspURLs, handshakes: evidence.handshakes.map(Self.summary),
            staple: latest.map { Self.summary($0, now: now) }, distinctStaples: evidence.staples.count,
            stapledRatio: completed.isEmpty ? 0 : Double(stapled) / Double(completed.count),
            findings: Self.worstFirst(findings))
    }

    /// Stable sort: worst severity first, then in the order found.
    static func worstFirst(_ findings: [Finding]) -> [Finding] {
        findings.enumerated().sorted { lhs, rhs in
            lhs.element.severity != rhs.element.severity
                ? lhs.element.severity > rhs.element.severity : lhs.offset < rhs.offset
        }.map(\.element)
    }
}
