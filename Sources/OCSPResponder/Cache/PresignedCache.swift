import Foundation
import OCSPCore

/// The responses signed ahead for one CA: for each serial of its index, one per CertID hash algorithm.
package struct PresignedCache: Sendable {
    /// The signed responses of one serial, and the index entry they state.
    package struct Entry: Sendable {
        package var indexEntry: IndexEntry
        package var answers: [OCSPHashAlgorithm: SignedAnswer]
        /// When they were signed (their thisUpdate).
        package var signedAt: Date

        package init(indexEntry: IndexEntry, answers: [OCSPHashAlgorithm: SignedAnswer], signedAt: Date) {
            self.indexEntry = indexEntry
            self.answers = answers
            self.signedAt = signedAt
        }
    }

    /// Entries by serial magnitude.
    package var entries: [[UInt8]: Entry] = [:]

    package init() {}

    /// The oldest thisUpdate in the cache, for the cache-age metric.
    package var oldestSignature: Date? { entries.values.lazy.map(\.signedAt).min() }
}

/// When to sign what: a pure function of the index, the cache and the time.
///
/// A serial is (re-)signed when it has no response yet, when its index entry changed (a
/// revocation), or when its responses are `refresh` old. Serials gone from the index are dropped.
/// `refresh` is well before nextUpdate (= thisUpdate + validity), so a cached answer never expires.
package struct PresignPlan: Hashable, Sendable {
    /// Serials to sign now, in serial order.
    package var sign: [[UInt8]]
    /// Serials to drop from the cache.
    package var drop: [[UInt8]]

    package var isEmpty: Bool { sign.isEmpty && drop.isEmpty }

    package init(index: CertificateIndex, cache: PresignedCache, now: Date, refresh: TimeInterval) {
        var sign: [[UInt8]] = []
        for (serial, entry) in index.entries {
            guard let cached = cache.entries[serial] else {
                sign.append(serial)
                continue
            }
            if cached.indexEntry != entry || now >= cached.signedAt.addingTimeInterval(refresh)
                || now < cached.signedAt
            {
                sign.append(serial)
            }
        }
        self.sign = sign.sorted { $0.lexicographicallyPrecedes($1) }
        self.drop = cache.entries.keys.filter { index.entries[$0] == nil }.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// When the next serial falls due, if nothing changes in the index.
    package static func nextDue(cache: PresignedCache, refresh: TimeInterval) -> Date? {
        cache.oldestSignature.map { $0.addingTimeInterval(refresh) }
    }
}
