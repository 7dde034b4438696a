import Foundation
import OCSPCore
import StapleTestSupport
import Testing

@testable import Stapling

/// Newer-only replacement, on responses signed for real and verified.
@Suite struct ReplacementTests {
    let pki: TestPKI
    let leaf: TestPKI.Leaf
    let other: TestPKI.Leaf
    let now = Date()

    init() throws {
        pki = try TestPKI(name: "replace")
        leaf = try pki.issue(writePEM: false)
        other = try pki.issue(writePEM: false)
    }

    func verification(
        status: CertStatus = .good, for certificate: TestPKI.Leaf? = nil, age: TimeInterval,
        validity: TimeInterval? = 86_400
    ) throws -> OCSPVerification {
        let thisUpdate = now.addingTimeInterval(-age)
        let bytes = try pki.signedResponse(
            for: (certificate ?? leaf).certificate, status: status, thisUpdate: thisUpdate,
            nextUpdate: validity.map { thisUpdate.addingTimeInterval($0) })
        return OCSPVerifier().verify(response: bytes, certificate: leaf.certificate, issuer: pki.ca, now: now)
    }

    @Test func replacementTable() throws {
        defer { pki.remove() }
        let current = now.addingTimeInterval(-3600)
        // A replacement carries the thisUpdate it checked.
        let fresh = try verification(age: 60)
        let freshThisUpdate = try #require(fresh.thisUpdate)
        #expect(abs(freshThisUpdate.timeIntervalSince(now.addingTimeInterval(-60))) < 1)
        #expect(ReplacementDecision.decide(fresh, currentThisUpdate: nil) == .replace(thisUpdate: freshThisUpdate))
        #expect(ReplacementDecision.decide(fresh, currentThisUpdate: current) == .replace(thisUpdate: freshThisUpdate))
        #expect(ReplacementDecision.decide(try verification(age: 3600), currentThisUpdate: current).isNotNewer)
        #expect(ReplacementDecision.decide(try verification(age: 7200), currentThisUpdate: current).isNotNewer)
        guard
            case .revoked = ReplacementDecision.decide(
                try verification(
                    status: .revoked(time: try .init(now.addingTimeInterval(-9000)), reason: nil), age: 60),
                currentThisUpdate: current)
        else {
            Issue.record("revoked must be reported as revoked")
            return
        }
        #expect(
            ReplacementDecision.decide(try verification(status: .unknown, age: 60), currentThisUpdate: current)
                == .notGood(.unknown))
        // A response about another certificate verifies but holds no status for this one.
        #expect(
            ReplacementDecision.decide(try verification(for: other, age: 60), currentThisUpdate: current)
                == .notGood(.noStatus))
        // Expired: nextUpdate an hour ago.
        guard
            case .notGood(.rejected(let rejection)) = ReplacementDecision.decide(
                try verification(age: 7200, validity: 3600), currentThisUpdate: nil)
        else {
            Issue.record("an expired response must be rejected")
            return
        }
        #expect(rejection.code == .expired)
    }
}

extension ReplacementDecision {
    var isNotNewer: Bool {
        if case .notNewer = self { return true }
        return false
    }
}
