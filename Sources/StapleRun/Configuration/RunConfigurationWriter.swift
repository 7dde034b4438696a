/// Prints a ``RunConfiguration`` as YAML that ``RunConfigurationLoader`` reads back (`--print-config`).
package enum RunConfigurationWriter {
    package static func yaml(_ configuration: RunConfiguration) -> String {
        ""
    }
}
