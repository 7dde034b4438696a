import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// One connection to the store, opened on first use and again after it breaks.
///
/// A node holds two of these: one for its queries (reads, claims, writes) and one that LISTENs
/// (``StoreListener``). Queries share the one connection: postgres-nio queues them, and none of
/// the hot-path statements needs a transaction of its own.
///
/// While PostgreSQL is unreachable, a new attempt is made at most once per ``retryInterval``; calls in
/// between fail at once, so that a refresh of many certificates does not wait for each.
package actor StoreConnection {
    package nonisolated let role: String
    /// The store's URL as logs show it.
    package nonisolated let urlDescription: String
    private let configuration: FleetConfiguration
    private let postgres: PostgresConnection.Configuration
    private let logger: Logger
    private let retryInterval: TimeInterval
    private var connection: PostgresConnection?
    private var connecting: Task<PostgresConnection, any Error>?
    private var lastFailure: (at: Date, error: FleetError)?
    private var connectionIDs = 0

    /// - Throws: ``FleetError`` `tls` when `sslmode`'s TLS context cannot be built.
    package init(
        configuration: FleetConfiguration, role: String, retryInterval: TimeInterval = 1, logger: Logger
    ) throws(FleetError) {
        self.role = role
        urlDescription = configuration.url.description
        self.configuration = configuration
        self.postgres = try configuration.connectionConfiguration(role: role)
        self.retryInterval = retryInterval
        self.logger = logger
    }

    /// A connection that was open when last seen.
    ///
    /// - Throws: ``FleetError`` `unreachable` when PostgreSQL cannot be reached or refuses the login,
    ///   now or at an attempt less than ``retryInterval`` ago.
    package func open() async throws(FleetError) -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        connection = nil
        if let task = connecting { return try await Self.wait(task, url: configuration.url) }
        if let lastFailure, Date().timeIntervalSince(lastFailure.at) < retryInterval { throw lastFailure.error }
        connectionIDs += 1
        let id = connectionIDs
        let postgres = self.postgres
        let logger = self.logger
        let driverLogger = Self.driverLogger(logger)
        let task = Task {
            try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: postgres, id: id, logger: driverLogger)
        }
        connecting = task
        do {
            let opened = try await Self.wait(task, url: configuration.url)
            connecting = nil
            connection = opened
            lastFailure = nil
            logger.info("Connected to the staple store", metadata: ["store.url": "\(configuration.url)", "store.connection": "\(role)"])
            return opened
        } catch {
            connecting = nil
            lastFailure = (Date(), error)
            throw error
        }
    }

    /// Forgets `connection` when it is the one held (after an error on it), closing it.
    package func discard(_ broken: PostgresConnection) async {
        guard let connection, connection === broken else { return }
        self.connection = nil
        // Awaited: postgres-nio asserts that a connection is closed before it is released.
        try? await broken.close()
    }

    /// Closes the connection held, if any.
    package func close() async {
        connecting?.cancel()
        if let connection { try? await connection.close() }
        connection = nil
    }

    /// Runs `body` on the connection; a failure of the connection itself discards it.
    ///
    /// - Throws: ``FleetError`` `unreachable` (no connection) or `query` (the statement failed).
    package nonisolated func run<T: Sendable>(
        _ what: String, _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws(FleetError) -> T {
        let connection = try await open()
        do {
            return try await body(connection)
        } catch {
            if connection.isClosed { await discard(connection) }
            throw FleetError(
                connection.isClosed ? .unreachable : .query, subject: configuration.url.description,
                reason: "\(what): \(Self.describe(error))")
        }
    }

    private static func wait(_ task: Task<PostgresConnection, any Error>, url: StoreURL) async throws(FleetError)
        -> PostgresConnection
    {
        do {
            return try await task.value
        } catch {
            throw connectError(error, url: url)
        }
    }

    /// A failed connect as a ``FleetError``: `untrusted` when TLS refused the server's certificate
    /// (``isCertificateRefusal(_:)``), naming the host, the sslmode and the trusted CAs; `unreachable` otherwise.
    package static func connectError(_ error: any Error, url: StoreURL) -> FleetError {
        guard isCertificateRefusal(error) else {
            return FleetError(.unreachable, subject: url.description, reason: "cannot connect: \(describe(error))")
        }
        let roots = url.rootCertificatePath.map { "the CAs in sslrootcert \($0)" } ?? "the system's trusted CAs"
        let check = url.sslMode == .verifyFull ? "by \(roots) for the name \(url.host)" : "by \(roots)"
        return FleetError(
            .untrusted, subject: url.description,
            reason: "the server at \(url.host):\(url.port) presented a certificate that is not trusted "
                + "(sslmode=\(url.sslMode.rawValue): verified \(check)): \(describe(error))")
    }

    /// Whether `error` is TLS refusing the server's certificate (not a network failure).
    package static func isCertificateRefusal(_ error: any Error) -> Bool {
        var current: (any Error)? = error
        while let error = current {
            if error is NIOSSLExtraError { return true }
            if let error = error as? NIOSSLError, case .handshakeFailed = error { return true }
            current = (error as? PSQLError)?.underlying
        }
        return false
    }

    /// `logger` for postgres-nio itself: its debug lines (every query) only when tracing.
    package static func driverLogger(_ logger: Logger) -> Logger {
        var driver = logger
        if driver.logLevel > .trace { driver.logLevel = max(driver.logLevel, .notice) }
        return driver
    }

    /// A person's line for a postgres-nio error: the server's message when there is one.
    package static func describe(_ error: any Error) -> String {
        if let error = error as? PostgresTransactionError {
            if let inner = error.beginError ?? error.closureError ?? error.commitError { return describe(inner) }
            return "transaction failed"
        }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let code = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return message + code
            }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }
}

/// Reflected (by `dump`, a debugger) as its role and store only: the driver's configuration it
/// holds carries the password.
extension StoreConnection: CustomReflectable {
    package nonisolated var customMirror: Mirror {
        Mirror(self, children: ["role": role, "url": urlDescription], displayStyle: .class)
    }
}
