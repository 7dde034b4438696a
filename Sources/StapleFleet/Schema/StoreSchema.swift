import Logging
import PostgresNIO

/// The store's tables, created and migrated by staple itself at start.
///
/// `staple_schema` holds one row per applied migration. ``migrate(_:logger:)`` runs in one
/// transaction that first takes `pg_advisory_xact_lock(`` lockKey ``)`: nodes starting together
/// queue on the lock, and each applies only the migrations it finds missing once it holds it, so
/// concurrent starts are safe and a second start changes nothing. A transaction-level advisory
/// lock is released at COMMIT or ROLLBACK by the server itself, so it works behind pgbouncer in
/// transaction mode (where session-level locks would stay with whichever client next gets the
/// server connection); the leases of the hot path are rows, not advisory locks, for the same reason.
///
/// Version 1:
///
/// ```sql
/// CREATE SEQUENCE staple_versions;
/// CREATE TABLE staples (
///     key           text PRIMARY KEY,      -- SHA-256 of the certificate's DER, hex
///     serial        text NOT NULL,         -- the certificate's serial, hex (for people)
///     response      bytea,                 -- the DER OCSPResponse as the responder sent it
///     this_update   timestamptz,
///     next_update   timestamptz,
///     refresh_at    timestamptz,           -- when its writer planned the next fetch (the database's clock)
///     lease_owner   text,                  -- the node fetching it now
///     lease_expires timestamptz,           -- the database's clock
///     version       bigint NOT NULL DEFAULT 0,  -- from staple_versions at each write
///     written_at    timestamptz,           -- the database's clock
///     written_by    text
/// );
/// CREATE INDEX staples_written_at ON staples (written_at);
/// ```
package enum StoreSchema {
    /// The schema version this build writes and reads.
    package static let currentVersion = 1
    /// The advisory lock migrations hold: "STAPLE" in ASCII.
    package static let lockKey: Int64 = 0x53_54_41_50_4C_45
    /// The channel every write is announced on, with the payload `KEY VERSION`.
    package static let channel = "staple_updates"

    /// The statements of each version, in order.
    static let migrations: [(version: Int, statements: [String])] = [
        (
            1,
            [
                "CREATE SEQUENCE IF NOT EXISTS staple_versions",
                """
                CREATE TABLE IF NOT EXISTS staples (
                    key text PRIMARY KEY, serial text NOT NULL, response bytea,
                    this_update timestamptz, next_update timestamptz, refresh_at timestamptz,
                    lease_owner text, lease_expires timestamptz,
                    version bigint NOT NULL DEFAULT 0, written_at timestamptz, written_by text)
                """,
                "CREATE INDEX IF NOT EXISTS staples_written_at ON staples (written_at)",
            ]
        )
    ]

    /// Brings the schema to ``currentVersion``; returns the version found before.
    ///
    /// - Throws: ``FleetError`` `migration` when a statement fails or the store's schema is newer
    ///   than this build knows.
    @discardableResult
    package static func migrate(_ connection: StoreConnection, logger: Logger) async throws(FleetError) -> Int {
        let announce = logger
        let logger = StoreConnection.driverLogger(logger)
        do {
            return try await connection.run("migrating the schema") { connection in
                try await connection.withTransaction(logger: logger) { connection in
                    try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
                    try await connection.query(
                        """
                        CREATE TABLE IF NOT EXISTS staple_schema (
                            version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                        """, logger: logger)
                    var found = 0
                    for try await version in try await connection.query(
                        "SELECT coalesce(max(version), 0)::int8 FROM staple_schema", logger: logger
                    ).decode(Int.self) {
                        found = version
                    }
                    guard found <= currentVersion else {
                        throw SchemaTooNew(found: found)
                    }
                    for migration in migrations where migration.version > found {
                        for statement in migration.statements {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await connection.query(
                            "INSERT INTO staple_schema (version) VALUES (\(migration.version))", logger: logger)
                        announce.info("Staple store schema migrated", metadata: ["store.schema_version": "\(migration.version)"])
                    }
                    return found
                }
            }
        } catch {
            // Not reaching the store, or not trusting it, is what it is; a failed statement is a failed migration.
            if error.code == .unreachable || error.code == .untrusted { throw error }
            throw FleetError(.migration, subject: error.subject, reason: error.reason)
        }
    }

    struct SchemaTooNew: Error, CustomStringConvertible {
        var found: Int
        var description: String {
            "the store's schema is version \(found), newer than this staple knows (\(currentVersion)): upgrade staple"
        }
    }
}
