import Stapling

/// The versions of the store's rows this node has seen, per certificate key: a notification or a
/// catch-up row at or below the version seen is old news (an echo of its own write, a duplicate,
/// a notification overtaken by a catch-up). Pure.
package struct VersionTracker: Sendable, Hashable {
    private var seen: [CertificateKey: Int64] = [:]

    package init() {}

    /// Whether `update` is newer than what was seen for its key.
    package func isNew(_ update: StoreUpdate) -> Bool {
        update.version > (seen[update.key] ?? 0)
    }

    /// Records `version` for `key` (never lowers it); returns whether it was new.
    @discardableResult
    package mutating func observe(_ key: CertificateKey, version: Int64) -> Bool {
        guard version > (seen[key] ?? 0) else { return false }
        seen[key] = version
        return true
    }

    /// The version seen for `key` (0 when none).
    package func version(of key: CertificateKey) -> Int64 { seen[key] ?? 0 }

    /// The updates of `updates` that are new, the highest version per key, in key order.
    package func newUpdates(_ updates: [StoreUpdate]) -> [StoreUpdate] {
        var highest: [CertificateKey: StoreUpdate] = [:]
        for update in updates where isNew(update) {
            if let held = highest[update.key], held.version >= update.version { continue }
            highest[update.key] = update
        }
        return highest.values.sorted { $0.key < $1.key }
    }
}

/// The listener's reconnect delays: `base` × 2^(attempt − 1), at most `cap`. Pure.
package struct ReconnectBackoff: Sendable, Hashable {
    package var base: Double
    package var cap: Double

    package init(base: Double, cap: Double) {
        self.base = base
        self.cap = cap
    }

    /// The delay before reconnect attempt number `attempt` (1 for the first after a failure).
    package func delay(attempt: Int) -> Double {
        min(cap, base * pow2(max(attempt, 1) - 1))
    }

    private func pow2(_ exponent: Int) -> Double {
        exponent >= 62 ? .infinity : Double(1 << exponent)
    }
}
