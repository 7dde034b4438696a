import Foundation
import OCSPCore
import StapleTestSupport
import StaplingCheck
import SwiftASN1
import Testing
import X509

/// The judgement alone: evidence built in memory (certificates and staples from a throw-away PKI),
/// a fixed `now`, no I/O.
@Suite struct JudgeTests {
    let now = Date()
    let pki: TestPKI
    let leaf: TestPKI.Leaf
    let judge = DeploymentJudge()

    init() throws {
        pki = try TestPKI(name: "judge")
        leaf = try pki.issue(commonName: "judge.test", ocspURLs: ["http://127.0.0.1:1/"])
    }

    /// Evidence for `certificate` with handshakes carrying `staples` (nil: no staple), in order.
    func evidence(
        _ certificate: Certificate? = nil, staples: [[UInt8]?], issuer: Bool = true,
        responder: ResponderEvidence? = nil
    ) -> DeploymentEvidence {
        let certificate = certificate ?? leaf.certificate
        let verifier = OCSPVerifier()
        var records: [HandshakeRecord] = []
        var distinct: [StapleEvidence] = []
        for (index, staple) in staples.enumerated() {
            let observed = ObservedHandshake(
                version: index % 2 == 0 ? "TLSv1.3" : "TLSv1.2", staple: staple,
                chain: [TestPKI.der(certificate), TestPKI.der(pki.ca)])
            records.append(
                HandshakeRecord(
                    number: index + 1, round: index / 2 + 1,
                    variant: ProbeVariant(version: index % 2 == 0 ? .tls13 : .tls12, algorithms: .ecdsa),
                    at: now, outcome: .success(observed)))
            guard let staple else { continue }
            if let at = distinct.firstIndex(where: { $0.bytes == staple }) {
                distinct[at].handshakes.append(index + 1)
            } else {
                let verification =
                    issuer ? verifier.verify(response: staple, certificate: certificate, issuer: pki.ca, now: now) : nil
                distinct.append(StapleEvidence(bytes: staple, verification: verification, handshakes: [index + 1]))
            }
        }
        return DeploymentEvidence(
            leaf: certificate, chainSent: issuer ? [pki.ca] : [], issuer: issuer ? pki.ca : nil,
            issuerSource: issuer ? .chain : .missing,
            trust: .trusted(anchor: "\(pki.ca.subject)"), handshakes: records, staples: distinct, responder: responder)
    }

    func good(_ certificate: Certificate? = nil, hoursLeft: Double = 20) throws -> [UInt8] {
        try pki.signedResponse(
            for: certificate ?? leaf.certificate, thisUpdate: now - 3600, nextUpdate: now + hoursLeft * 3600)
    }

    func ids(_ report: DeploymentReport) -> [String] { report.findings.map(\.id) }

    @Test func aValidStapleOnEveryHandshakeIsOK() throws {
        let staple = try good()
        let report = judge.judge(evidence(staples: [staple, staple]), now: now)
        #expect(ids(report) == ["staple-valid"])
        #expect(report.severity == .ok)
        #expect(report.stapledRatio == 1)
        #expect(report.keyType == "ecdsa")
        #expect(report.staple?.verdict == "good")
        #expect(abs((report.staple?.hoursLeft ?? 0) - 20) < 0.01)
    }

    @Test func anExpiredStapleIsCriticalAndNamesTheCheck() throws {
        let staple = try pki.signedResponse(for: leaf.certificate, thisUpdate: now - 7200, nextUpdate: now - 3600)
        let report = judge.judge(evidence(staples: [staple]), now: now)
        let finding = try #require(report.findings.first)
        #expect(finding.id == "staple-expired")
        #expect(finding.severity == .critical)
        #expect(finding.check?.id == "next-update")
        #expect(finding.check?.reference.contains("RFC 6960") == true)
    }

    @Test func aStapleForAnotherCertificateNamesBothSerials() throws {
        let other = try pki.issue(commonName: "other.test", ocspURLs: ["http://127.0.0.1:1/"])
        let report = judge.judge(evidence(staples: [try good(other.certificate)]), now: now)
        let finding = try #require(report.findings.first)
        #expect(finding.id == "staple-for-another-certificate")
        #expect(finding.severity == .critical)
        #expect(finding.seen.contains(other.serialHex))
        #expect(finding.seen.contains(leaf.serialHex))
    }

    @Test func revokedAndUnknownAreCritical() throws {
        let revoked = try pki.signedResponse(
            for: leaf.certificate, status: .revoked(time: try GeneralizedTime(now - 60), reason: nil),
            thisUpdate: now - 60, nextUpdate: now + 86_400)
        #expect(ids(judge.judge(evidence(staples: [revoked]), now: now)) == ["staple-revoked"])
        let unknown = try pki.signedResponse(
            for: leaf.certificate, status: .unknown, thisUpdate: now - 60, nextUpdate: now + 86_400)
        let report = judge.judge(evidence(staples: [unknown]), now: now)
        #expect(ids(report) == ["staple-unknown"])
        #expect(report.severity == .critical)
    }

    @Test func aBadSignatureNamesTheSignatureCheck() throws {
        var staple = try good()
        staple[staple.count - 3] ^= 0xFF  // inside the signature BIT STRING (no certificates embedded)
        let report = judge.judge(evidence(staples: [staple]), now: now)
        let finding = try #require(report.findings.first)
        #expect(finding.id == "staple-rejected")
        #expect(finding.check?.id == "signature")
        #expect(finding.seen.contains("signature"))
    }

    @Test func expiryThresholds() throws {
        let policy = CheckPolicy(warningHours: 12, criticalHours: 2)
        let judge = DeploymentJudge(policy: policy)
        let warning = judge.judge(evidence(staples: [try good(hoursLeft: 5)]), now: now)
        #expect(warning.findings.map(\.id) == ["staple-expiring"])
        #expect(warning.severity == .warning)
        let critical = judge.judge(evidence(staples: [try good(hoursLeft: 1)]), now: now)
        #expect(critical.severity == .critical)
        let fine = judge.judge(evidence(staples: [try good(hoursLeft: 13)]), now: now)
        #expect(fine.severity == .ok)
    }

    @Test func noNextUpdateIsAWarning() throws {
        let staple = try pki.signedResponse(for: leaf.certificate, thisUpdate: now - 60, nextUpdate: nil)
        let report = judge.judge(evidence(staples: [staple]), now: now)
        #expect(ids(report) == ["staple-no-next-update"])
        #expect(report.severity == .warning)
    }

    @Test func aMissingStapleIsAWarningWithoutMustStapleAndCriticalWithIt() throws {
        let plain = judge.judge(evidence(staples: [nil, nil]), now: now)
        #expect(ids(plain) == ["no-staple"])
        #expect(plain.severity == .warning)
        let must = try pki.issue(commonName: "must.test", ocspURLs: ["http://127.0.0.1:1/"], mustStaple: true)
        #expect(must.certificate.isMustStaple)
        let report = judge.judge(evidence(must.certificate, staples: [nil, nil]), now: now)
        #expect(ids(report) == ["no-staple"])
        #expect(report.severity == .critical)
        #expect(report.mustStaple)
    }

    @Test func noOCSPURLIsInformational() throws {
        let bare = try pki.issue(commonName: "bare.test")
        let report = judge.judge(evidence(bare.certificate, staples: [nil]), now: now)
        #expect(ids(report) == ["no-ocsp-url"])
        #expect(report.severity == .info)
        #expect(report.findings[0].seen.contains("stapling is not possible for this certificate"))
    }

    @Test func firstHandshakesUnstapledIsLazyFetching() throws {
        let staple = try good()
        let report = judge.judge(evidence(staples: [nil, nil, staple, staple]), now: now)
        #expect(ids(report).first == "lazy-fetching")
        #expect(report.severity == .warning)
        #expect(report.findings[0].seen.contains("lazy fetching"))
        #expect(report.stapledRatio == 0.5)
        let gaps = judge.judge(evidence(staples: [staple, nil, staple]), now: now)
        #expect(ids(gaps).first == "intermittent-staple")
    }

    @Test func aChangedStapleIsNoted() throws {
        let first = try good(hoursLeft: 20)
        let second = try good(hoursLeft: 21)
        let report = judge.judge(evidence(staples: [first, second]), now: now)
        #expect(Set(ids(report)) == ["staple-valid", "staple-changed"])
        #expect(report.distinctStaples == 2)
    }

    @Test func aMissingIssuerIsCritical() throws {
        let report = judge.judge(evidence(staples: [try good()], issuer: false), now: now)
        #expect(ids(report) == ["issuer-missing"])
        #expect(report.severity == .critical)
    }

    @Test func theResponderSayingRevokedOutranksAGoodStaple() throws {
        let revoked = try pki.signedResponse(
            for: leaf.certificate, status: .revoked(time: try GeneralizedTime(now - 60), reason: nil),
            thisUpdate: now - 60, nextUpdate: now + 86_400)
        let verification = OCSPVerifier().verify(
            response: revoked, certificate: leaf.certificate, issuer: pki.ca, now: now)
        let report = judge.judge(
            evidence(staples: [try good()], responder: .answered(url: "http://r/", verification: verification)),
            now: now)
        #expect(ids(report).first == "responder-revoked")
        #expect(report.severity == .critical)
        let unreachable = judge.judge(
            evidence(staples: [try good()], responder: .failed(reason: "refused")), now: now)
        #expect(unreachable.severity == .warning)
    }

    @Test func aNewerResponderAnswerIsInformational() throws {
        let fresh = try pki.signedResponse(for: leaf.certificate, thisUpdate: now - 60, nextUpdate: now + 86_400)
        let verification = OCSPVerifier().verify(
            response: fresh, certificate: leaf.certificate, issuer: pki.ca, now: now)
        let report = judge.judge(
            evidence(staples: [try good()], responder: .answered(url: "http://r/", verification: verification)),
            now: now)
        #expect(Set(ids(report)) == ["staple-valid", "responder-newer"])
        #expect(report.severity == .info)  // OK as a status: informational findings do not warn
    }

    @Test func anErrorResponseAsStapleIsCritical() throws {
        let staple = try OCSPResponseSigner.unsuccessful(.tryLater)
        let report = judge.judge(evidence(staples: [staple]), now: now)
        #expect(ids(report) == ["staple-responder-error"])
        #expect(report.severity == .critical)
        #expect(report.findings[0].check?.id == "response-status")
    }

    @Test func aStapleFromTheFutureIsNotYetValid() throws {
        let staple = try pki.signedResponse(
            for: leaf.certificate, thisUpdate: now + 7200, nextUpdate: now + 86_400)
        let report = judge.judge(evidence(staples: [staple]), now: now)
        #expect(ids(report) == ["staple-not-yet-valid"])
        #expect(report.findings[0].check?.id == "this-update")
    }

    @Test func anIssuerFoundOnlyAmongTheAnchorsIsAnIncompleteChain() throws {
        let intermediate = try pki.intermediate(name: "sub")
        let leaf = try intermediate.issue(commonName: "sub.test", ocspURLs: ["http://127.0.0.1:1/"])
        let staple = try intermediate.signedResponse(for: leaf.certificate)
        let verification = OCSPVerifier().verify(
            response: staple, certificate: leaf.certificate, issuer: intermediate.ca, now: now)
        let observed = ObservedHandshake(version: "TLSv1.3", staple: staple, chain: [leaf.der])
        let evidence = DeploymentEvidence(
            leaf: leaf.certificate, chainSent: [], issuer: intermediate.ca, issuerSource: .anchors,
            trust: .trusted(anchor: "\(pki.ca.subject)"),
            handshakes: [
                HandshakeRecord(
                    number: 1, round: 1, variant: ProbeVariant(version: .tls13, algorithms: .ecdsa), at: now,
                    outcome: .success(observed))
            ], staples: [StapleEvidence(bytes: staple, verification: verification, handshakes: [1])])
        let report = judge.judge(evidence, now: now)
        #expect(Set(ids(report)) == ["chain-incomplete", "staple-valid"])
        #expect(report.severity == .warning)
    }

    @Test func chainAnalysisFindsTheIssuerAndTheAnchor() throws {
        let intermediate = try pki.intermediate(name: "sub2")
        let leaf = try intermediate.issue(commonName: "sub2.test")
        let (issuer, source) = ChainAnalysis.issuer(of: leaf.certificate, sent: [intermediate.ca], anchors: [pki.ca])
        #expect(issuer == intermediate.ca)
        #expect(source == .chain)
        #expect(
            ChainAnalysis.trust(of: leaf.certificate, sent: [intermediate.ca], anchors: [pki.ca])
                == .trusted(anchor: "\(pki.ca.subject)"))
        #expect(ChainAnalysis.issuer(of: leaf.certificate, sent: [], anchors: [pki.ca]).1 == .missing)
        if case .untrusted = ChainAnalysis.trust(of: leaf.certificate, sent: [], anchors: [pki.ca]) {
        } else {
            Issue.record("a chain without its intermediate reaches no anchor")
        }
    }
}
