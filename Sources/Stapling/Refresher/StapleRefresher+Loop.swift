import Foundation

// The refresh loop: what falls due is taken from the schedule, at most `maximumConcurrentFetches`
// at a time, and the loop sleeps until the next attempt (`LoopAlarm`).
extension StapleRefresher {
    enum LoopMode {
        /// Refresh what is due now, then return.
        case dueNow
        /// Take what falls due, sleeping until it does, until cancelled.
        case continuous
    }

    private enum Finished: Sendable {
        case refreshed(RefreshEvent?)
        case woke
    }

    /// The one bounded-concurrency loop: at most ``maximumConcurrentFetches`` refreshes in flight,
    /// soonest due first, taken from the schedule whenever a slot is free. Returns the events in
    /// `.dueNow` mode (what was due when it started; none are kept in `.continuous` mode).
    ///
    /// In `.continuous` mode one sleeper waits for the next due attempt (``LoopAlarm``): a refresher
    /// with nothing due wakes only every ``longestSleep``, not at a fixed tick.
    func refreshLoop(_ mode: LoopMode) async -> [RefreshEvent] {
        var events: [RefreshEvent] = []
        let cutoff: Date? = mode == .dueNow ? now() : nil
        await withTaskGroup(of: Finished.self) { group in
            var running = 0
            var timerPending = false
            while !Task.isCancelled {
                while running < maximumConcurrentFetches, let due = takeDue(notAfter: cutoff ?? now()) {
                    running += 1
                    group.addTask { .refreshed(await self.performRefresh(id: due.id, generation: due.generation)) }
                }
                if mode == .continuous {
                    let (at, delay) = nextWake(slotFree: running < maximumConcurrentFetches)
                    if timerPending {
                        alarm.wake(ifBefore: at)
                    } else {
                        timerPending = true
                        let sleeper = alarm.set(at: at, delay: delay)
                        group.addTask {
                            await LoopAlarm.sleep(sleeper)
                            await self.alarmEnded(sleeper)
                            return .woke
                        }
                    }
                }
                // In `.dueNow` mode the group empties once nothing due is left: nil ends the loop.
                guard let finished = await group.next() else { break }
                switch finished {
                case .refreshed(let event):
                    running -= 1
                    gauges.noteChange()
                    if mode == .dueNow, let event { events.append(event) }
                case .woke:
                    timerPending = false
                }
                if mode == .continuous, gauges.take(at: .now) { updateGauges() }
            }
            group.cancelAll()
        }
        updateGauges()
        return events
    }

    /// When the loop should look again: at the schedule's soonest attempt when a fetch slot is free
    /// (a finished fetch wakes it otherwise) or when the gauges are due, at most ``longestSleep`` from now.
    private func nextWake(slotFree: Bool) -> (at: Date, delay: Duration) {
        let time = now()
        let sleep = min(longestSleep, gauges.dueIn(at: .now))
        var seconds = Double(sleep.components.seconds) + Double(sleep.components.attoseconds) * 1e-18
        if slotFree, let earliest = schedule.earliest {
            seconds = min(seconds, max(0, earliest.timeIntervalSince(time)))
        }
        return (time.addingTimeInterval(seconds), .nanoseconds(Int64(seconds * 1e9)))
    }

    private func alarmEnded(_ sleeper: Task<Void, Never>) { alarm.ended(sleeper) }

    /// The soonest certificate due at `cutoff` and idle, marked busy; its generation.
    private func takeDue(notAfter cutoff: Date) -> (id: String, generation: Int)? {
        let item = schedule.popDue(notAfter: cutoff) { item in
            guard let entry = entries[item.id] else { return false }
            return !entry.busy && entry.state.nextAttempt == item.at
        }
        guard let item, var entry = entries[item.id] else { return nil }
        entry.busy = true
        entries[item.id] = entry
        return (item.id, entry.generation)
    }

    /// Puts the next attempt of `id` (idle, its state just changed) on the schedule.
    func scheduleNext(_ id: String, _ state: EntryState) {
        guard let at = state.nextAttempt else { return }
        schedule.push(id, at: at)
        alarm.wake(ifBefore: at)
        // Pairs whose time changed are skipped when popped; past twice the certificates, start afresh.
        if schedule.count > 2 * entries.count + 1024 { rebuildSchedule() }
    }

    /// The schedule again from every idle certificate's next attempt (busy ones push theirs when done).
    func rebuildSchedule() {
        var items: [DueSchedule.Item] = []
        items.reserveCapacity(entries.count)
        for (id, entry) in entries where !entry.busy {
            if let at = entry.state.nextAttempt { items.append(.init(at: at, id: id)) }
        }
        schedule.rebuild(items)
        if let earliest = schedule.earliest { alarm.wake(ifBefore: earliest) }
    }
}
