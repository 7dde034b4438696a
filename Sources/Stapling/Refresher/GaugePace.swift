/// When the refresh loop brings the engine's gauges up to date, which is a pass over every
/// certificate: within a second of a refresh, and every `idle` otherwise (ages and times left move
/// with the clock alone), never more often than once a second: 100,000 certificates refreshed at
/// start-up are not 100,000 passes.
struct GaugePace {
    static let afterChange: Duration = .seconds(1)

    let idle: Duration
    private var last: ContinuousClock.Instant?
    private var changed = false

    init(idle: Duration) { self.idle = idle }

    /// A refresh finished: the gauges are due within ``afterChange``.
    mutating func noteChange() { changed = true }

    /// How long from `now` until the gauges are due (zero: due now).
    func dueIn(at now: ContinuousClock.Instant) -> Duration {
        guard let last else { return .zero }
        let due = last + (changed ? min(Self.afterChange, idle) : idle)
        return due > now ? due - now : .zero
    }

    /// True when the gauges are due at `now`; the caller updates them, and the pace starts again.
    mutating func take(at now: ContinuousClock.Instant) -> Bool {
        guard dueIn(at: now) == .zero else { return false }
        last = now
        changed = false
        return true
    }
}
