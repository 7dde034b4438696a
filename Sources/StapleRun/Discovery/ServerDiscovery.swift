import ConfigLint

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
///
/// The rules are in docs/run-configuration.md ("Discovery"); ``NginxDiscovery`` and
/// ``HAProxyDiscovery`` apply them to the parsed sites.
package enum ServerDiscovery {
    /// `--nginx CONF`: every TLS site that has an `ssl_stapling_file`.
    ///
    /// - Throws: ``ConfigurationError`` (`.discovery`) naming the nginx file and line that could not be read.
    package static func nginx(
        configuration path: String, stateDirectory: String
    ) throws(ConfigurationError) -> Discovery {
        let parsed = try parse(path, as: .nginx)
        return NginxDiscovery(stateDirectory: ConfigurationPath.absolute(stateDirectory)).discover(parsed)
    }

    /// `--haproxy CFG`: every `crt` (crt-list entries included), with the `stats socket` found.
    ///
    /// - Throws: ``ConfigurationError`` (`.discovery`) naming the HAProxy file and line that could not be read.
    package static func haproxy(
        configuration path: String, stateDirectory: String
    ) throws(ConfigurationError) -> Discovery {
        let parsed = try parse(path, as: .haproxy)
        return HAProxyDiscovery(stateDirectory: ConfigurationPath.absolute(stateDirectory)).discover(parsed)
    }

    /// The linter's parse of the configuration at `path` (made absolute, so that every path found is).
    private static func parse(_ path: String, as server: ServerKind) throws(ConfigurationError) -> ParsedConfiguration {
        do {
            return try ConfigurationParser.parse(path: ConfigurationPath.absolute(path), as: server)
        } catch {
            throw ConfigurationError(
                .discovery, subject: error.location.description,
                reason: "cannot read the \(server.displayName) configuration: \(error.reason)")
        }
    }
}
