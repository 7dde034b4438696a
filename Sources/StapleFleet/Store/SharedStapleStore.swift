import Foundation
import Stapling

/// What a node does with the shared store, as a protocol: ``StoreQueries`` on PostgreSQL in
/// production, an in-memory table in the unit tests of the decisions around it.
package protocol SharedStapleStore: Sendable {
    /// The row for `key`, or nil when there is none.
    func read(_ key: CertificateKey) async throws(FleetError) -> StapleRow?
    /// Inserts the row on first sight, then takes its lease if it is free, expired or already `owner`'s.
    func claim(_ key: CertificateKey, serial: String, owner: String, duration: TimeInterval) async throws(FleetError)
        -> StoreQueries.Claim
    /// Writes a verified staple when its thisUpdate is newer than the row's (or the row holds exactly
    /// the bytes whose SHA-256 is `replacingInvalid`), releases `owner`'s lease and announces the
    /// write; returns the new version, nil when the row held something newer.
    func write(
        _ staple: Staple, key: CertificateKey, serial: String, refreshAt: Date?, owner: String,
        replacingInvalid: [UInt8]?
    ) async throws(FleetError) -> Int64?
    /// Gives up `owner`'s lease on `key`.
    func release(_ key: CertificateKey, owner: String) async throws(FleetError)
    /// Rows written since `since` (the database's clock, with an overlap), and the next `since`.
    func changes(since: Date?) async throws(FleetError) -> (updates: [StoreUpdate], now: Date)
}
