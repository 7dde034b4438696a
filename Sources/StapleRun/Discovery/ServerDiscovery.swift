/// What discovery found in an nginx or HAProxy configuration: the sites it will manage, and
/// what it noticed about the others (stapling on without a file, one staple file for several
/// certificates), each with where it was written.
package struct Discovery: Sendable {
    package var configuration: RunConfiguration
    /// `file:line: what and what to do`, for the operator.
    package var notes: [String]

    package init(configuration: RunConfiguration, notes: [String]) {
        self.configuration = configuration
        self.notes = notes
    }
}

/// Builds a ``RunConfiguration`` from a server's own configuration, read with the linter's parsers.
package enum ServerDiscovery {
    /// `--nginx CONF`: every TLS site that has an `ssl_stapling_file`.
    package static func nginx(configuration path: String, stateDirectory: String) throws(ConfigurationError) -> Discovery {
        throw ConfigurationError(.discovery, subject: path, reason: "nginx discovery is not written yet")
    }

    /// `--haproxy CFG`: every `crt` (crt-list entries included), with the `stats socket` found.
    package static func haproxy(configuration path: String, stateDirectory: String) throws(ConfigurationError) -> Discovery {
        throw ConfigurationError(.discovery, subject: path, reason: "HAProxy discovery is not written yet")
    }
}
