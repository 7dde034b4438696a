import OCSPCore

/// A problem with the shared staple store; the subject is the store (its URL without the password)
/// or the configuration item involved.
package typealias FleetError = StapleError<FleetErrorCode>

/// The codes of ``FleetError``.
package struct FleetErrorCode: StapleErrorCode {
    private enum Backing: String {
        case invalidURL = "invalid-store-url"
        case passwordFile = "password-file"
        case unreachable = "store-unreachable"
        case migration = "migration-failed"
        case query = "query-failed"
        case tls = "tls-configuration"
        case untrusted = "store-certificate-untrusted"
    }
    private let backing: Backing
    package var description: String { backing.rawValue }

    /// The store URL cannot be used (scheme, host, port, sslmode, a password in it).
    package static let invalidURL = Self(backing: .invalidURL)
    /// The password file cannot be read, or is empty.
    package static let passwordFile = Self(backing: .passwordFile)
    /// PostgreSQL could not be reached, or refused the login.
    package static let unreachable = Self(backing: .unreachable)
    /// The schema could not be created or migrated.
    package static let migration = Self(backing: .migration)
    /// A query failed.
    package static let query = Self(backing: .query)
    /// The TLS configuration `sslmode` asks for cannot be built.
    package static let tls = Self(backing: .tls)
    /// The server's certificate failed verification (`sslmode=verify-ca` or `verify-full`: an unknown
    /// CA, or a name that is not the host's): not an outage but a configuration to fix.
    package static let untrusted = Self(backing: .untrusted)
}
