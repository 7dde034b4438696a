import StapleRun

/// Where `staple run`'s configuration comes from (a YAML file, or discovery from nginx or HAProxy),
/// and the command-line overrides; read at start and again on SIGHUP.
struct RunConfigurationSource: Sendable {
    /// The default state directory in discovery mode.
    static let defaultStateDirectory = "/var/lib/staple"

    var config: String?
    var nginx: String?
    var haproxy: String?
    var stateDirectory: String?
    var metricsListen: String?
    /// `--store` and `--store-password-file`.
    var store: String?
    var storePasswordFile: String?

    struct Loaded: Sendable {
        var configuration: RunConfiguration
        /// What discovery noticed (sites it cannot manage, with the line to change).
        var notes: [String]
    }

    /// Reads the configuration.
    ///
    /// - Throws: ``ConfigurationError`` naming the file and line.
    func load() throws(ConfigurationError) -> Loaded {
        var loaded: Loaded
        let state = stateDirectory ?? Self.defaultStateDirectory
        if let config {
            loaded = Loaded(configuration: try RunConfigurationLoader.load(path: config), notes: [])
        } else if let nginx {
            let discovery = try ServerDiscovery.nginx(configuration: nginx, stateDirectory: state)
            loaded = Loaded(configuration: discovery.configuration, notes: discovery.notes)
        } else if let haproxy {
            let discovery = try ServerDiscovery.haproxy(configuration: haproxy, stateDirectory: state)
            loaded = Loaded(configuration: discovery.configuration, notes: discovery.notes)
        } else {
            throw ConfigurationError(.missingKey, reason: "give --config, --nginx or --haproxy")
        }
        if let stateDirectory { loaded.configuration.stateDirectory = stateDirectory }
        if let metricsListen { loaded.configuration.metricsListen = metricsListen }
        if let store { loaded.configuration.store = store }
        if let storePasswordFile { loaded.configuration.storePasswordFile = storePasswordFile }
        return loaded
    }
}
