import Foundation

/// Reads a `staple run` YAML configuration into a ``RunConfiguration``.
package enum RunConfigurationLoader {
    /// Reads and parses the file at `path`.
    package static func load(path: String) throws(ConfigurationError) -> RunConfiguration {
        throw ConfigurationError(.unreadable, subject: path, reason: "the YAML loader is not written yet")
    }

    /// Parses `yaml`; `path` is used in messages and to resolve relative paths.
    package static func parse(yaml: String, path: String) throws(ConfigurationError) -> RunConfiguration {
        throw ConfigurationError(.syntax, subject: path, reason: "the YAML loader is not written yet")
    }
}
