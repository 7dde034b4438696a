import Testing

@testable import Stapling

/// The gauges' pace, on instants the test picks: at once the first time, within a second of a
/// refresh, every `idle` otherwise, never twice within a second.
@Suite struct GaugePaceTests {
    @Test func dueAtOnceThenAfterIdleOrWithinASecondOfAChange() {
        let t0 = ContinuousClock.now
        var pace = GaugePace(idle: .seconds(10))
        #expect(pace.dueIn(at: t0) == .zero)
        let first = pace.take(at: t0)
        let again = pace.take(at: t0)
        #expect(first && !again)
        #expect(pace.dueIn(at: t0) == .seconds(10))
        #expect(pace.dueIn(at: t0 + .seconds(4)) == .seconds(6))
        let idle = pace.take(at: t0 + .seconds(10))
        #expect(idle)

        // A refresh: due one second after the last update, not ten; many refreshes are one update.
        let t1 = t0 + .seconds(10)
        pace.noteChange()
        pace.noteChange()
        #expect(pace.dueIn(at: t1 + .milliseconds(400)) == .milliseconds(600))
        let early = pace.take(at: t1 + .milliseconds(400))
        let onTime = pace.take(at: t1 + .seconds(1))
        #expect(!early && onTime)
        #expect(pace.dueIn(at: t1 + .seconds(1)) == .seconds(10))
    }

    @Test func anIdleShorterThanASecondIsKeptAfterAChange() {
        let t0 = ContinuousClock.now
        var pace = GaugePace(idle: .milliseconds(50))
        let first = pace.take(at: t0)
        #expect(first)
        pace.noteChange()
        #expect(pace.dueIn(at: t0) == .milliseconds(50))
    }
}
