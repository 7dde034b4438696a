import NIOCore

/// When each connection's handshake must be done, in the order they were accepted.
///
/// A queue, not a heap: every connection of a loop gets the same timeout, so deadlines come in
/// order. (After a reload to a shorter timeout, new connections' deadlines may wait behind older
/// ones, at most the older timeout: checked in order, each fires no earlier than it should.)
struct HandshakeDeadlines {
    struct Entry {
        var deadline: UInt64
        var descriptor: Int32
        var serial: UInt64
    }

    private var queue = CircularBuffer<Entry>(initialCapacity: 64)

    mutating func add(_ entry: Entry) { queue.append(entry) }

    /// Removes and returns the entries due at `now`.
    mutating func due(at now: UInt64) -> [Entry] {
        var due: [Entry] = []
        while let first = queue.first, first.deadline <= now { due.append(queue.removeFirst()) }
        return due
    }

    /// Drops the leading entries `isLive` says no longer matter, and returns milliseconds until the
    /// first one left (rounded up), or -1 (epoll's "no timeout") when none is.
    mutating func millisecondsUntilNext(at now: UInt64, isLive: (Entry) -> Bool) -> Int32 {
        while let first = queue.first, !isLive(first) { queue.removeFirst() }
        guard let first = queue.first else { return -1 }
        guard first.deadline > now else { return 0 }
        return Int32(min(UInt64(Int32.max), (first.deadline - now + 999_999) / 1_000_000))
    }
}
