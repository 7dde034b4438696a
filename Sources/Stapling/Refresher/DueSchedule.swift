import Foundation

/// The refresher's schedule: (time, id) pairs ordered by due time, soonest first (a binary min-heap).
///
/// Pure and lazy: a certificate's time is pushed whenever its next attempt changes, and an older
/// pair of the same id is not searched for; ``popDue(notAfter:isCurrent:)`` skips the pairs the
/// caller says are no longer current (another time was pushed since, the certificate is busy or
/// removed). ``rebuild(_:)`` starts again from the current times, so that skipped pairs do not pile
/// up. Taking what is due is O(log n) per certificate taken: no scan of every certificate per tick,
/// and whatever falls due while others are in flight is taken in due order as slots free up.
struct DueSchedule: Sendable {
    struct Item: Sendable, Hashable {
        var at: Date
        var id: String
    }

    private var heap: [Item] = []

    /// Pairs held, current or not.
    var count: Int { heap.count }

    /// The soonest time held (possibly no longer current).
    var earliest: Date? { heap.first?.at }

    /// Schedules `id` at `at`.
    mutating func push(_ id: String, at: Date) {
        heap.append(Item(at: at, id: id))
        siftUp(heap.count - 1)
    }

    /// The soonest pair due at `cutoff` or earlier that `isCurrent` accepts, removed with every
    /// non-current pair found before it; nil when nothing current is due.
    mutating func popDue(notAfter cutoff: Date, isCurrent: (Item) -> Bool) -> Item? {
        while let top = heap.first, top.at <= cutoff {
            removeTop()
            if isCurrent(top) { return top }
        }
        return nil
    }

    /// Replaces every pair with `items` (the current times), in O(n).
    mutating func rebuild(_ items: [Item]) {
        heap = items
        var index = heap.count / 2 - 1
        while index >= 0 {
            siftDown(index)
            index -= 1
        }
    }

    private static func precedes(_ a: Item, _ b: Item) -> Bool {
        a.at != b.at ? a.at < b.at : a.id < b.id
    }

    private mutating func removeTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            let right = left + 1
            var first = left
            if right < heap.count, Self.precedes(heap[right], heap[left]) { first = right }
            guard Self.precedes(heap[first], heap[parent]) else { return }
            heap.swapAt(first, parent)
            parent = first
        }
    }
}
