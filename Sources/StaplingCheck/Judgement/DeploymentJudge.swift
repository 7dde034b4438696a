import Crypto
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
public struct DeploymentJudge: Sendable {
    public var policy: CheckPolicy

    public init(policy: CheckPolicy = CheckPolicy()) {
        self.policy = policy
    }

    /// The report for `evidence` at `now`.
    public func judge(_ evidence: DeploymentEvidence, now: Date) -> DeploymentReport {
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

    // MARK: - 1. Chain

    func chainFindings(_ evidence: DeploymentEvidence) -> [Finding] {
        var findings: [Finding] = []
        let leaf = evidence.leaf
        switch evidence.issuerSource {
        case .chain:
            break
        case .missing:
            findings.append(
                Finding(
                    id: "issuer-missing", severity: .critical,
                    seen:
                        "the issuer of serial \(Self.serial(leaf)) (\(leaf.issuer)) is neither in the chain the server "
                        + "sent (\(evidence.chainSent.count) certificate(s) after the leaf) nor among the trust "
                        + "anchors: no client can check a staple, and this check could not verify one",
                    fix: "send the intermediate certificate after the leaf (a full chain file, e.g. fullchain.pem)"))
        case .anchors:
            if let issuer = evidence.issuer, !issuer.isSelfSigned {
                findings.append(
                    Finding(
                        id: "chain-incomplete", severity: .warning,
                        seen:
                            "the server does not send the issuer (\(issuer.subject)); it was found only among the "
                            + "trust anchors given: clients without it cannot build the chain or check the staple",
                        fix: "send the intermediate certificate after the leaf (a full chain file, e.g. fullchain.pem)"
                    ))
            }
        }
        if case .untrusted(let top, let reason) = evidence.trust, evidence.issuerSource != .missing {
            findings.append(
                Finding(
                    id: "chain-untrusted", severity: .warning,
                    seen: "the chain does not lead to a trust anchor: \(reason) (last certificate: \(top))",
                    fix:
                        "serve a certificate from a trusted CA with its full chain, or pass the private CA with --ca-file"
                ))
        }
        return findings
    }

    // MARK: - 2. Presence

    func presenceFindings(_ evidence: DeploymentEvidence) -> [Finding] {
        let leaf = evidence.leaf
        let completed = evidence.completed
        guard !completed.isEmpty else { return [] }
        let stapled = completed.filter(\.isStapled)
        let unstapled = completed.filter { !$0.isStapled }
        let must = leaf.isMustStaple
        let mustNote =
            must
            ? "; the certificate is Must-Staple (RFC 7633): clients that honour it (Firefox) refuse it without a staple"
            : ""
        if stapled.isEmpty {
            let versions = Set(completed.map { $0.observed?.version ?? "" }).sorted(by: >).joined(separator: ", ")
            if leaf.ocspURLs.isEmpty {
                return [
                    Finding(
                        id: "no-ocsp-url", severity: must ? .critical : .info,
                        seen:
                            "no staple sent (\(completed.count) handshake(s), \(versions)), and the certificate has no "
                            + "OCSP responder URL: stapling is not possible for this certificate\(mustNote)",
                        fix: must
                            ? "a Must-Staple certificate needs an OCSP URL: have it reissued without Must-Staple"
                            : "nothing to change on the server (Let's Encrypt certificates carry no OCSP URL since May 2025)"
                    )
                ]
            }
            return [
                Finding(
                    id: "no-staple", severity: must ? .critical : .warning,
                    seen:
                        "none of the \(completed.count) handshake(s) (\(versions)) got a staple, although the "
                        + "certificate names a responder (\(leaf.ocspURLs.joined(separator: ", ")))\(mustNote)",
                    fix:
                        "turn stapling on (nginx: ssl_stapling on with a resolver, or ssl_stapling_file kept fresh by "
                        + "`staple run`; HAProxy: a fresh <crt>.ocsp, which it never sends with under 5 minutes left; "
                        + "Apache: SSLUseStapling on), or terminate TLS "
                        + "with `staple serve`")
            ]
        }
        var findings: [Finding] = []
        if !unstapled.isEmpty {
            let numbers = unstapled.map { "\($0.number)" }.joined(separator: ", ")
            let pattern = completed.map { $0.isStapled ? "yes" : "no" }.joined(separator: " ")
            if completed.first?.isStapled == false {
                findings.append(
                    Finding(
                        id: "lazy-fetching", severity: must ? .critical : .warning,
                        seen:
                            "handshake(s) \(numbers) of \(completed.count) got no staple, the first among them, and "
                            + "later ones did (stapled: \(pattern)): lazy fetching: nginx staples only after the first "
                            + "handshake of each worker process\(mustNote)",
                        fix:
                            "keep an `ssl_stapling_file` fresh with `staple run` (or terminate TLS with `staple serve`), "
                            + "so that the first client of every worker gets a staple"))
            } else {
                findings.append(
                    Finding(
                        id: "intermittent-staple", severity: must ? .critical : .warning,
                        seen:
                            "handshake(s) \(numbers) of \(completed.count) got no staple after earlier ones did "
                            + "(stapled: \(pattern))\(mustNote)",
                        fix:
                            "every server and worker behind this name must staple: check each backend, and that staples "
                            + "are refreshed before they expire (HAProxy stops stapling under 5 minutes before nextUpdate)"
                    ))
            }
        }
        if evidence.staples.count > 1 {
            let changes = evidence.staples.map { "handshake \($0.handshakes.first ?? 0)" }.joined(separator: ", ")
            findings.append(
                Finding(
                    id: "staple-changed", severity: .info,
                    seen:
                        "the staple changed during the check: \(evidence.staples.count) different staples, first seen at \(changes)"
                ))
        }
        return findings
    }

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

    // MARK: - Helpers

    /// `ecdsa`, `rsa`, `ed25519` or `other`.
    public static func keyType(_ certificate: Certificate) -> String {
        let key = certificate.publicKey
        if P256.Signing.PublicKey(key) != nil || P384.Signing.PublicKey(key) != nil
            || P521.Signing.PublicKey(key) != nil
        {
            return "ecdsa"
        }
        if Curve25519.Signing.PublicKey(key) != nil { return "ed25519" }
        return "rsa"
    }

    static func serial(_ certificate: Certificate) -> String { Array(certificate.serialNumber.bytes).hexString }

    static func serials(_ verification: OCSPVerification) -> [String] {
        verification.response?.tbsResponseData.responses.map(\.certID.serialNumberHex) ?? []
    }

    static func statusName(_ verdict: OCSPVerdict) -> String { verdict.name }

    static func hours(_ seconds: TimeInterval) -> String { String(format: "%.1f", seconds / 3600) }

    static func time(_ date: Date?) -> String {
        guard let date else { return "(none)" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func summary(_ record: HandshakeRecord) -> HandshakeSummary {
        let staple = record.observed?.staple
        var error: String?
        if case .failure(let failure) = record.outcome { error = failure.message }
        return HandshakeSummary(
            number: record.number, round: record.round, offered: record.variant.versionName,
            version: record.observed?.version, stapled: staple != nil,
            stapleSHA256: staple.map { Array(SHA256.hash(data: $0)).hexString.lowercased() }, error: error,
            at: record.at)
    }

    /// The staple as reported; times are those of the SingleResponse about this certificate, when one matched.
    static func summary(_ staple: StapleEvidence, now: Date) -> StapleSummary {
        let verification = staple.verification
        let thisUpdate = verification?.thisUpdate
        let nextUpdate = verification?.nextUpdate
        return StapleSummary(
            verdict: verification?.verdict.name ?? "unverified", serials: verification.map(serials) ?? [],
            thisUpdate: thisUpdate, nextUpdate: nextUpdate,
            producedAt: verification?.response.map { Date($0.tbsResponseData.producedAt) },
            hoursLeft: nextUpdate.map { $0.timeIntervalSince(now) / 3600 },
            ageSeconds: thisUpdate.map { now.timeIntervalSince($0) }, bytes: staple.bytes.count)
    }
}
