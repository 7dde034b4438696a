import Foundation

/// The refresh loop's one timer: a sleep until a planned time, cut short when something is planned
/// earlier.
///
/// The loop sleeps until the schedule's next due attempt, or at most its longest sleep (the gauges'
/// pace, and the bound on how late a moved clock is noticed), instead of waking at a fixed tick:
/// a server with nothing due does not wake. When an earlier attempt is scheduled meanwhile (a new or
/// renewed certificate, a fleet's announced write, a free fetch slot with something due soon),
/// ``wake(ifBefore:)`` ends the sleep and the loop plans again.
///
/// Times are the refresher's `now()` (wall-clock `Date`s, so that a test's hand-moved clock is
/// compared with the schedule); the sleep itself is on the continuous clock.
struct LoopAlarm {
    private var sleeper: Task<Void, Never>?
    /// When the current sleep ends (nil: no sleep).
    private(set) var wakeAt: Date?

    /// Starts a sleep of `delay`, planned to end at `at`; the caller awaits ``sleep(_:)`` with it.
    mutating func set(at: Date, delay: Duration) -> Task<Void, Never> {
        let task = Task { _ = try? await Task.sleep(for: delay) }
        sleeper = task
        wakeAt = at
        return task
    }

    /// Ends the sleep now when `at` comes before its planned end.
    mutating func wake(ifBefore at: Date) {
        guard let wakeAt, at < wakeAt else { return }
        sleeper?.cancel()
        sleeper = nil
        self.wakeAt = nil
    }

    /// The sleep ended (on time, woken or cancelled).
    mutating func ended(_ task: Task<Void, Never>) {
        guard sleeper == task else { return }
        sleeper = nil
        wakeAt = nil
    }

    /// Awaits `task` (from ``set(at:delay:)``); the waiting task's cancellation ends it too.
    static func sleep(_ task: Task<Void, Never>) async {
        await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
    }
}
