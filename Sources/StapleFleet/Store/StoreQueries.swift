import Foundation
import Logging
import OCSPCore
import PostgresNIO
import Stapling

/// The statements of the hot path, each one round trip in autocommit (no transaction held across a
/// fetch): read a row, claim its lease, write a verified response, release the lease, list changes.
///
/// Times that decide between nodes (leases, write times) are the database's clock; what is returned
/// to the node is converted to offsets, so that clocks that differ between nodes do not matter.
package struct StoreQueries: SharedStapleStore {
    package let connection: StoreConnection
    package let logger: Logger

    package init(connection: StoreConnection, logger: Logger) {
        self.connection = connection
        self.logger = StoreConnection.driverLogger(logger)
    }

    private static let columns = """
        response, this_update, next_update, extract(epoch from refresh_at - clock_timestamp())::float8, lease_owner,
        extract(epoch from lease_expires - clock_timestamp())::float8, version, written_by,
        extract(epoch from clock_timestamp() - written_at)::float8
        """

    private typealias RowTuple = (
        Data?, Date?, Date?, Double?, String?, Double?, Int64, String?, Double?
    )

    /// The row for `key`, or nil when there is none.
    package func read(_ key: CertificateKey) async throws(FleetError) -> StapleRow? {
        let logger = self.logger
        return try await connection.run("reading the row of \(key.hex)") { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM staples WHERE key = \(key.hex)", logger: logger)
            for try await tuple in rows.decode(RowTuple.self) { return Self.row(key, tuple) }
            return nil
        }
    }

    /// What a claim found.
    package enum Claim: Sendable, Hashable {
        /// This node holds the lease until the date (this node's clock).
        case claimed(until: Date)
        /// Another node holds it; the row as it is now.
        case held(StapleRow)
    }

    /// Inserts the row on first sight, then takes its lease if it is free, expired or already ours
    /// (`UPDATE … WHERE key IN (SELECT … FOR UPDATE SKIP LOCKED)`: a row another transaction is
    /// claiming at this instant is skipped, not waited for).
    package func claim(
        _ key: CertificateKey, serial: String, owner: String, duration: TimeInterval
    ) async throws(FleetError) -> Claim {
        let logger = self.logger
        let remaining: Double? = try await connection.run("claiming the lease of \(key.hex)") { connection in
            try await connection.query(
                "INSERT INTO staples (key, serial) VALUES (\(key.hex), \(serial)) ON CONFLICT (key) DO NOTHING",
                logger: logger)
            let rows = try await connection.query(
                """
                UPDATE staples SET lease_owner = \(owner),
                    lease_expires = clock_timestamp() + make_interval(secs => \(duration))
                WHERE key IN (
                    SELECT key FROM staples WHERE key = \(key.hex)
                    AND (lease_expires IS NULL OR lease_expires < clock_timestamp() OR lease_owner = \(owner))
                    FOR UPDATE SKIP LOCKED)
                RETURNING extract(epoch from lease_expires - clock_timestamp())::float8
                """, logger: logger)
            for try await seconds in rows.decode(Double.self) { return seconds }
            return nil
        }
        if let remaining { return .claimed(until: Date().addingTimeInterval(remaining)) }
        // Locked by a claim at this instant, or held: read who holds it (a missing row cannot happen
        // after the insert, but is treated as held by nobody known).
        return .held(try await read(key) ?? StapleRow(key: key))
    }

    /// Writes a verified staple: only a newer thisUpdate replaces the row's, or any thisUpdate when
    /// the row still holds exactly the bytes this node found invalid (`replacingInvalid`, their
    /// SHA-256). Releases this node's lease and announces the write with `NOTIFY` (key and version
    /// only) in the same statement, so listeners hear of it only once it is committed.
    ///
    /// - Returns: the row's new version, or nil when the row held something newer.
    package func write(
        _ staple: Staple, key: CertificateKey, serial: String, refreshAt: Date?, owner: String,
        replacingInvalid: [UInt8]? = nil
    ) async throws(FleetError) -> Int64? {
        let logger = self.logger
        let bytes = Data(staple.bytes)
        let invalid = replacingInvalid.map { Data($0) }
        // Kept in the database's clock, as the lease is: a node whose clock is ahead would otherwise
        // find a fresh row already due and fetch again.
        let refreshIn = refreshAt.map { $0.timeIntervalSince(Date()) }
        return try await connection.run("writing the staple of \(key.hex)") { connection in
            let rows = try await connection.query(
                """
                WITH up AS (
                    INSERT INTO staples AS s (key, serial, response, this_update, next_update, refresh_at,
                        version, written_at, written_by)
                    VALUES (\(key.hex), \(serial), \(bytes), \(staple.thisUpdate), \(staple.nextUpdate),
                        clock_timestamp() + make_interval(secs => \(refreshIn)), nextval('staple_versions'),
                        clock_timestamp(), \(owner))
                    ON CONFLICT (key) DO UPDATE SET response = EXCLUDED.response,
                        this_update = EXCLUDED.this_update, next_update = EXCLUDED.next_update,
                        refresh_at = EXCLUDED.refresh_at, version = EXCLUDED.version,
                        written_at = EXCLUDED.written_at, written_by = EXCLUDED.written_by,
                        lease_owner = CASE WHEN s.lease_owner = EXCLUDED.written_by THEN NULL ELSE s.lease_owner END,
                        lease_expires = CASE WHEN s.lease_owner = EXCLUDED.written_by THEN NULL ELSE s.lease_expires END
                    WHERE s.response IS NULL OR s.this_update IS NULL OR s.this_update < EXCLUDED.this_update
                        OR sha256(s.response) = \(invalid)
                    RETURNING s.key, s.version)
                SELECT up.version FROM up
                    CROSS JOIN LATERAL pg_notify('\(unescaped: StoreSchema.channel)', up.key || ' ' || up.version) AS n
                """, logger: logger)
            for try await version in rows.decode(Int64.self) { return version }
            return nil
        }
    }

    /// Gives up this node's lease on `key` (after a fetch that brought nothing to write).
    package func release(_ key: CertificateKey, owner: String) async throws(FleetError) {
        let logger = self.logger
        try await connection.run("releasing the lease of \(key.hex)") { connection in
            _ = try await connection.query(
                """
                UPDATE staples SET lease_owner = NULL, lease_expires = NULL
                WHERE key = \(key.hex) AND lease_owner = \(owner)
                """, logger: logger)
        }
    }

    /// The rows written after `since` (the database's clock, less ``FleetConfiguration/catchUpOverlap``),
    /// as key and version, and the database's time at the start of the query: the next `since`.
    /// `since` nil lists every row that holds a response.
    package func changes(since: Date?) async throws(FleetError) -> (updates: [StoreUpdate], now: Date) {
        let logger = self.logger
        let overlap = FleetConfiguration.catchUpOverlap
        return try await connection.run("listing changed rows") { connection in
            var now = Date()
            for try await time in try await connection.query("SELECT clock_timestamp()", logger: logger).decode(
                Date.self)
            {
                now = time
            }
            let rows = try await connection.query(
                """
                SELECT key, version, this_update FROM staples WHERE version > 0
                AND (\(since)::timestamptz IS NULL OR written_at > \(since)::timestamptz - make_interval(secs => \(overlap)))
                """, logger: logger)
            var updates: [StoreUpdate] = []
            for try await (key, version, thisUpdate) in rows.decode((String, Int64, Date?).self) {
                updates.append(StoreUpdate(key: CertificateKey(hex: key), version: version, thisUpdate: thisUpdate))
            }
            return (updates, now)
        }
    }

    /// The SHA-256 of `bytes`, as the `replacingInvalid` argument of ``write(_:key:serial:refreshAt:owner:replacingInvalid:)``.
    package static func digest(_ bytes: [UInt8]) -> [UInt8] { OCSPHashAlgorithm.sha256.digest(bytes) }

    private static func row(_ key: CertificateKey, _ tuple: RowTuple) -> StapleRow {
        let now = Date()
        return StapleRow(
            key: key, response: tuple.0.map { Array($0) }, thisUpdate: tuple.1, nextUpdate: tuple.2,
            refreshAt: tuple.3.map { now.addingTimeInterval($0) }, leaseOwner: tuple.4, leaseExpires: tuple.5.map { now.addingTimeInterval($0) },
            version: tuple.6, writtenBy: tuple.7, age: tuple.8)
    }
}
