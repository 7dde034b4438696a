import Foundation
import Stapling

/// What the listener and the response source of one node share: the versions seen, the rows a
/// notification announced (and the listener verified), and the staples fetched while the store was
/// unreachable, to write once it is back.
package actor UpdateHub {
    /// A staple this node fetched alone while the store was unreachable.
    package struct PendingWrite: Sendable {
        package var staple: Staple
        package var serial: String
        package var refreshAt: Date?
    }

    private(set) var tracker = VersionTracker()
    private var announced: [CertificateKey: StapleRow] = [:]
    private var pending: [CertificateKey: PendingWrite] = [:]
    /// Whether the listener's LISTEN connection is up, and when its last catch-up succeeded (the
    /// node's clock), for `/status`.
    package private(set) var listening = false
    package private(set) var lastCatchUp: Date?

    package init() {}

    /// The listener's connection came up or went down.
    package func setListening(_ up: Bool) { listening = up }

    /// A catch-up query succeeded at `time`.
    package func caughtUp(at time: Date) { lastCatchUp = time }

    /// Records a version seen for `key`; returns whether it was new.
    @discardableResult
    package func observe(_ key: CertificateKey, version: Int64) -> Bool {
        tracker.observe(key, version: version)
    }

    package func version(of key: CertificateKey) -> Int64 { tracker.version(of: key) }

    /// The new ones among `updates`.
    package func newUpdates(_ updates: [StoreUpdate]) -> [StoreUpdate] { tracker.newUpdates(updates) }

    /// Marks `row`'s key announced with the row the listener read and verified: the next refresh of
    /// that key takes this row (no second read) and installs a verified newer staple even when due.
    /// Of two announcements for a key, the higher version stays.
    package func announce(_ row: StapleRow) {
        if let held = announced[row.key], held.version >= row.version { return }
        announced[row.key] = row
    }

    /// The row announced for `key`, clearing the mark; nil when none was.
    package func takeAnnouncement(_ key: CertificateKey) -> StapleRow? { announced.removeValue(forKey: key) }

    /// Waits until a version above `version` has been seen for `key`, or `seconds` pass; returns
    /// whether it came. Checks every 50 ms (a wait only happens while another node holds a lease).
    package nonisolated func waitForVersion(above version: Int64, of key: CertificateKey, seconds: TimeInterval) async
        -> Bool
    {
        let deadline = ContinuousClock.now + .milliseconds(Int64(max(0, seconds) * 1000))
        while ContinuousClock.now < deadline {
            if await self.version(of: key) > version { return true }
            do { try await Task.sleep(for: .milliseconds(50)) } catch { return false }
        }
        return await self.version(of: key) > version
    }

    /// Keeps a staple fetched while the store was unreachable (the newest per key).
    package func addPending(_ write: PendingWrite, for key: CertificateKey) {
        if let held = pending[key], held.staple.thisUpdate >= write.staple.thisUpdate { return }
        pending[key] = write
    }

    /// The pending writes, removed.
    package func takePending() -> [(CertificateKey, PendingWrite)] {
        defer { pending = [:] }
        return pending.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    package var pendingCount: Int { pending.count }
}
