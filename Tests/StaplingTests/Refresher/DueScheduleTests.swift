import Foundation
import StapleTestSupport
import Testing

@testable import Stapling

/// The refresher's schedule, pure: order, what is due, pairs no longer current.
@Suite struct DueScheduleTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func popsInDueOrderAndOnlyWhatIsDue() {
        var generator = SplitMix64(state: 9)
        var schedule = DueSchedule()
        var pushed: [DueSchedule.Item] = []
        for index in 0..<2_000 {
            let at = Self.t0.addingTimeInterval(Double(Int.random(in: 0..<500, using: &generator)))
            let id = String(format: "c%04d", index)
            schedule.push(id, at: at)
            pushed.append(.init(at: at, id: id))
        }
        let cutoff = Self.t0.addingTimeInterval(250)
        var popped: [DueSchedule.Item] = []
        while let item = schedule.popDue(notAfter: cutoff, isCurrent: { _ in true }) { popped.append(item) }
        let expected = pushed.filter { $0.at <= cutoff }.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        #expect(popped == expected)
        #expect(schedule.count == pushed.count - expected.count)
        #expect(schedule.earliest.map { $0 > cutoff } == true)
    }

    @Test func skipsPairsThatAreNoLongerCurrent() {
        var schedule = DueSchedule()
        // "a" moved from 10 to 30 (both pairs held), "b" at 20.
        schedule.push("a", at: Self.t0.addingTimeInterval(10))
        schedule.push("b", at: Self.t0.addingTimeInterval(20))
        schedule.push("a", at: Self.t0.addingTimeInterval(30))
        let current: [String: Date] = ["a": Self.t0.addingTimeInterval(30), "b": Self.t0.addingTimeInterval(20)]
        let isCurrent = { (item: DueSchedule.Item) in current[item.id] == item.at }
        let cutoff = Self.t0.addingTimeInterval(100)
        #expect(schedule.popDue(notAfter: cutoff, isCurrent: isCurrent)?.id == "b")
        #expect(schedule.popDue(notAfter: cutoff, isCurrent: isCurrent)?.at == Self.t0.addingTimeInterval(30))
        #expect(schedule.popDue(notAfter: cutoff, isCurrent: isCurrent) == nil)
        #expect(schedule.count == 0)
    }

    @Test func rebuildKeepsOnlyTheGivenPairsInOrder() {
        var schedule = DueSchedule()
        for index in 0..<100 { schedule.push("old\(index)", at: Self.t0) }
        let items = (0..<50).reversed().map {
            DueSchedule.Item(at: Self.t0.addingTimeInterval(Double($0)), id: "n\($0)")
        }
        schedule.rebuild(items)
        #expect(schedule.count == 50)
        var popped: [String] = []
        while let item = schedule.popDue(notAfter: .distantFuture, isCurrent: { _ in true }) { popped.append(item.id) }
        #expect(popped == (0..<50).map { "n\($0)" })
    }
}
