import Foundation
import NIOCore
import NIOSSL
import PostgresNIO

/// Everything a node needs to share one staple store: where it is, how to log in, and the timings
/// of leases, waits and reconnects.
package struct FleetConfiguration: Sendable {
    /// Thirty seconds: longer than a fetch (5 s per attempt, a few responder URLs), short enough that a
    /// crashed node's certificates pass to others quickly.
    package static let defaultLeaseDuration: TimeInterval = 30
    /// Three seconds to connect: PostgreSQL down at start delays a node's own fetches by no more.
    package static let defaultConnectTimeout: TimeInterval = 3
    /// Five minutes between catch-up queries: what a lost notification can cost at most.
    package static let defaultCatchUpInterval: TimeInterval = 300
    /// Sixty seconds of overlap in catch-up queries: covers statements that committed after a later one
    /// had started, and the database's own clock steps.
    package static let catchUpOverlap: TimeInterval = 60

    package var url: StoreURL
    package var password: String?
    /// This node's name in `lease_owner` and `written_by`: host name, process id and a random suffix.
    package var nodeName: String
    /// How long a claimed lease lasts (the database's clock).
    package var leaseDuration: TimeInterval
    package var connectTimeout: TimeInterval
    package var catchUpInterval: TimeInterval
    /// Reconnect delays of the listener: first, then doubling up to the cap.
    package var reconnectBase: TimeInterval
    package var reconnectCap: TimeInterval

    package init(
        url: StoreURL, password: String?, nodeName: String = FleetConfiguration.defaultNodeName(),
        leaseDuration: TimeInterval = defaultLeaseDuration, connectTimeout: TimeInterval = defaultConnectTimeout,
        catchUpInterval: TimeInterval = defaultCatchUpInterval, reconnectBase: TimeInterval = 1,
        reconnectCap: TimeInterval = 30
    ) {
        self.url = url
        self.password = password
        self.nodeName = nodeName
        self.leaseDuration = leaseDuration
        self.connectTimeout = connectTimeout
        self.catchUpInterval = catchUpInterval
        self.reconnectBase = reconnectBase
        self.reconnectCap = reconnectCap
    }

    /// `HOST:PID:RANDOM`, unique per process.
    package static func defaultNodeName() -> String {
        let host = ProcessInfo.processInfo.hostName
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(host):\(ProcessInfo.processInfo.processIdentifier):\(suffix)"
    }

    /// postgres-nio's configuration for one connection, `role` naming it in `pg_stat_activity`
    /// (`application_name`: `staple <role> <node>`).
    ///
    /// - Throws: ``FleetError`` `tls` when the TLS context `sslmode` asks for cannot be built.
    package func connectionConfiguration(role: String) throws(FleetError) -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: password, database: url.database,
            tls: try tls())
        configuration.options.connectTimeout = .milliseconds(Int64(connectTimeout * 1000))
        let name = url.applicationName ?? "staple"
        configuration.options.additionalStartupParameters = [("application_name", "\(name) \(role) \(nodeName)")]
        return configuration
    }

    private func tls() throws(FleetError) -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch url.sslMode {
        case .disable:
            return .disable
        case .allow, .prefer, .require:
            tls.certificateVerification = .none
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
        case .verifyFull:
            tls.certificateVerification = .fullVerification
        }
        if let root = url.rootCertificatePath { tls.trustRoots = .file(root) }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw FleetError(
                .tls, subject: url.description,
                reason: "cannot build the TLS context for sslmode=\(url.sslMode.rawValue)"
                    + (url.rootCertificatePath.map { " with sslrootcert \($0)" } ?? "") + ": \(error)")
        }
        switch url.sslMode {
        case .allow, .prefer: return .prefer(context)
        default: return .require(context)
        }
    }
}

/// Never the password: a configuration is described (by swift-service-lifecycle's start-up log,
/// by `print`, by a debugger's `po`) with the URL and timings only.
extension FleetConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package var description: String {
        "FleetConfiguration(url: \(url), password: \(password == nil ? "none" : "<redacted>"), node: \(nodeName), "
            + "lease: \(leaseDuration) s, catch-up: \(catchUpInterval) s)"
    }

    package var debugDescription: String { description }

    package var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "url": url, "password": password == nil ? "none" : "<redacted>", "nodeName": nodeName,
                "leaseDuration": leaseDuration, "catchUpInterval": catchUpInterval,
            ])
    }
}
