import Foundation
import OCSPCore
import X509

extension DeploymentJudge {
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
}
