import Foundation
import Stapling

/// One row of `staples`: what the store holds for one certificate.
///
/// Nothing in it is trusted: a node judges ``response`` itself (``StapleJudgement``) before it
/// installs it, whatever the other columns say.
package struct StapleRow: Sendable, Hashable {
    package var key: CertificateKey
    package var response: [UInt8]?
    package var thisUpdate: Date?
    package var nextUpdate: Date?
    /// When the writer planned the next fetch, in this node's clock (kept and read as an offset
    /// from the database's clock, like the lease).
    package var refreshAt: Date?
    package var leaseOwner: String?
    /// The lease's end, in this node's clock (read as an offset from the database's clock).
    package var leaseExpires: Date?
    package var version: Int64
    package var writtenBy: String?
    /// Seconds from the write to this read, both in the database's clock.
    package var age: TimeInterval?
    /// When this node read it (for ``ageNow``).
    package var readAt: ContinuousClock.Instant = .now

    /// Seconds from the write to now: ``age`` plus the time since the read (a notification's row is
    /// installed a little after the listener read it).
    package var ageNow: TimeInterval? {
        age.map { age in
            let since = ContinuousClock.now - readAt
            return age + Double(since.components.seconds) + Double(since.components.attoseconds) / 1e18
        }
    }

    package init(
        key: CertificateKey, response: [UInt8]? = nil, thisUpdate: Date? = nil, nextUpdate: Date? = nil,
        refreshAt: Date? = nil, leaseOwner: String? = nil, leaseExpires: Date? = nil, version: Int64 = 0,
        writtenBy: String? = nil, age: TimeInterval? = nil
    ) {
        self.key = key
        self.response = response
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.refreshAt = refreshAt
        self.leaseOwner = leaseOwner
        self.leaseExpires = leaseExpires
        self.version = version
        self.writtenBy = writtenBy
        self.age = age
    }
}

/// A notification on ``StoreSchema/channel``: `KEY VERSION`.
package struct StoreUpdate: Sendable, Hashable {
    package var key: CertificateKey
    package var version: Int64
    /// The row's thisUpdate, when a catch-up query read it (a notification does not carry it).
    package var thisUpdate: Date?

    package init(key: CertificateKey, version: Int64, thisUpdate: Date? = nil) {
        self.key = key
        self.version = version
        self.thisUpdate = thisUpdate
    }

    /// Parses a payload; nil for anything else (a payload is at most 8,000 bytes and never holds a response).
    package init?(payload: String) {
        let parts = payload.split(separator: " ")
        guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy(\.isHexDigit),
            let version = Int64(parts[1]), version > 0
        else { return nil }
        self.init(key: CertificateKey(hex: parts[0].lowercased()), version: version)
    }

    package var payload: String { "\(key.hex) \(version)" }
}
