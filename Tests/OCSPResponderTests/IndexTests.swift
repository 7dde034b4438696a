import Foundation
import OCSPCore
import OCSPResponder
import Testing

@Suite("index.txt parsing (pure)")
struct IndexTests {
    static let sample = """
        V\t301231235959Z\t\t1001\tunknown\t/CN=good
        R\t301231235959Z\t250102030405Z,keyCompromise\t1002\tunknown\t/CN=revoked
        R\t301231235959Z\t250102030405Z\t1003\tunknown\t/CN=revoked no reason
        R\t301231235959Z\t250102030405Z,keyTime,20250101000000Z\t1004\tunknown\t/CN=key time
        R\t301231235959Z\t250102030405Z,CACompromise\t1005\tunknown\t/CN=ca compromise
        E\t200101000000Z\t\t1006\tunknown\t/CN=expired
        V\t20600101000000Z\t\t00FF\tunknown\t/CN=generalized

        """

    @Test func readsEveryLineKindAsOpenSSLCaWritesThem() throws {
        let index = try CertificateIndex(parsing: Array(Self.sample.utf8), source: "index.txt")
        #expect(index.entries.count == 7)
        #expect(index.entry(serialNumber: [0x10, 0x01])?.kind == .valid)
        let revoked = try #require(index.entry(serialNumber: [0x10, 0x02]))
        #expect(revoked.kind == .revoked)
        #expect(revoked.revocationReason == .keyCompromise)
        #expect(revoked.revocationTime == Date(timeIntervalSince1970: 1_735_787_045))
        #expect(index.entry(serialNumber: [0x10, 0x03])?.revocationReason == nil)
        #expect(index.entry(serialNumber: [0x10, 0x04])?.revocationReason == .keyCompromise)
        #expect(index.entry(serialNumber: [0x10, 0x05])?.revocationReason == .caCompromise)
        #expect(index.entry(serialNumber: [0x10, 0x06])?.kind == .expired)
        // A DER serial with a leading zero octet finds the index's magnitude.
        let generalized = try #require(index.entry(serialNumber: [0x00, 0xFF]))
        #expect(generalized.expiry == Date(timeIntervalSince1970: 2_840_140_800))
        #expect(try index.entry(serialNumber: [0x10, 0x06])?.certStatus == .good)
        #expect(index.entry(serialNumber: [0x10, 0x07]) == nil)
    }

    @Test func refusesAFileWhoseLastLineIsIncomplete() throws {
        let truncated = Array(Self.sample.utf8).dropLast(20)
        #expect {
            try CertificateIndex(parsing: truncated, source: "/ca/index.txt")
        } throws: { error in
            let error = error as? ResponderError
            return error?.code == .malformedIndex && error?.subject == "/ca/index.txt:7"
        }
    }

    @Test(arguments: [
        "V\t301231235959Z\t\t1001\tunknown\n",
        "X\t301231235959Z\t\t1001\tunknown\t/CN=x\n",
        "V\t3012312359Z\t\t1001\tunknown\t/CN=x\n",
        "V\t301231235959Z\t\t10G1\tunknown\t/CN=x\n",
        "R\t301231235959Z\t\t1001\tunknown\t/CN=x\n",
        "R\t301231235959Z\t250102030405Z,becauseISaidSo\t1001\tunknown\t/CN=x\n",
        "V\t301231235959Z\t250102030405Z\t1001\tunknown\t/CN=x\n",
    ])
    func refusesMalformedLinesNamingTheLine(line: String) throws {
        let text = "V\t301231235959Z\t\t2001\tunknown\t/CN=ok\n" + line
        #expect {
            try CertificateIndex(parsing: Array(text.utf8), source: "index.txt")
        } throws: { error in
            (error as? ResponderError)?.subject == "index.txt:2"
        }
    }

    @Test func anEmptyIndexIsValid() throws {
        #expect(try CertificateIndex(parsing: [], source: "index.txt").entries.isEmpty)
    }

    @Test func aChangeNamesTheSerialsWhoseStatusMoved() throws {
        let old = CertificateIndex(entries: [entry([0x01]), entry([0x02]), entry([0x03])])
        let new = CertificateIndex(entries: [
            entry([0x01]), entry([0x02], .revoked, revoked: Date(timeIntervalSince1970: 0), reason: .superseded),
            entry([0x04]),
        ])
        let change = IndexChange(from: old, to: new)
        #expect(change.added == ["04"])
        #expect(change.changed == ["02"])
        #expect(change.removed == ["03"])
        #expect(IndexChange(from: new, to: new).isEmpty)
    }
}

@Suite("pre-signing plan (pure, injected clock)")
struct PresignPlanTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func cache(_ index: CertificateIndex, signedAt: Date) -> PresignedCache {
        var cache = PresignedCache()
        for (serial, entry) in index.entries {
            cache.entries[serial] = PresignedCache.Entry(indexEntry: entry, answers: [:], signedAt: signedAt)
        }
        return cache
    }

    @Test func signsEverySerialOfANewIndex() {
        let index = CertificateIndex(entries: [entry([0x02]), entry([0x01])])
        let plan = PresignPlan(index: index, cache: PresignedCache(), now: t0, refresh: 3600)
        #expect(plan.sign == [[0x01], [0x02]])
        #expect(plan.drop.isEmpty)
    }

    @Test func signsAgainOnlyOnceTheRefreshAgeIsReached() {
        let index = CertificateIndex(entries: [entry([0x01]), entry([0x02])])
        let cache = cache(index, signedAt: t0)
        #expect(PresignPlan(index: index, cache: cache, now: t0.addingTimeInterval(3599), refresh: 3600).isEmpty)
        #expect(
            PresignPlan(index: index, cache: cache, now: t0.addingTimeInterval(3600), refresh: 3600).sign.count == 2)
        // A clock that went backwards (before thisUpdate) re-signs rather than serving "from the future".
        #expect(PresignPlan(index: index, cache: cache, now: t0.addingTimeInterval(-60), refresh: 3600).sign.count == 2)
    }

    @Test func signsARevokedSerialAtOnceAndDropsRemovedOnes() {
        let before = CertificateIndex(entries: [entry([0x01]), entry([0x02]), entry([0x03])])
        let cache = cache(before, signedAt: t0)
        let after = CertificateIndex(entries: [
            entry([0x01]), entry([0x02], .revoked, revoked: t0, reason: .keyCompromise),
        ])
        let plan = PresignPlan(index: after, cache: cache, now: t0.addingTimeInterval(1), refresh: 3600)
        #expect(plan.sign == [[0x02]])
        #expect(plan.drop == [[0x03]])
    }

    @Test func theNextDueTimeIsTheOldestSignaturePlusRefresh() {
        let index = CertificateIndex(entries: [entry([0x01])])
        #expect(PresignPlan.nextDue(cache: cache(index, signedAt: t0), refresh: 60) == t0.addingTimeInterval(60))
        #expect(PresignPlan.nextDue(cache: PresignedCache(), refresh: 60) == nil)
    }
}
