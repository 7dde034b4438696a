import Logging
import NIOConcurrencyHelpers

/// Makes the outputs one site's configuration asks for.
package enum OutputFactory {
    /// The outputs of `site`; nginx sites share the reloader of their reload method from ``NginxReloaders/shared``.
    package static func outputs(for site: SiteConfiguration, logger: Logger) throws -> [any StapleOutput] {
        try outputs(for: site, reloaders: .shared, logger: logger)
    }

    /// The outputs of `site`, nginx sites sharing one reloader per reload method from `reloaders`.
    ///
    /// An nginx `include_file` that does not exist yet is written in its withdrawn form
    /// (`ssl_stapling off;`), so that nginx can start before the first staple is had.
    /// - Throws: ``OutputError`` when that snippet cannot be written, or `confirm:` is not `HOST:PORT`.
    package static func outputs(
        for site: SiteConfiguration, reloaders: NginxReloaders, logger: Logger
    ) throws -> [any StapleOutput] {
        var outputs: [any StapleOutput] = []
        if let nginx = site.nginx {
            if let confirm = nginx.confirm { _ = try ConfirmTarget(parsing: confirm, serverName: nginx.serverName) }
            let output = NginxOutput(
                configuration: nginx, site: site.name, reloader: reloaders.reloader(for: nginx.reload), logger: logger)
            try output.prepare()
            outputs.append(output)
        }
        if let haproxy = site.haproxy {
            outputs.append(HAProxyOutput(configuration: haproxy, site: site.name, logger: logger))
        }
        if let directory = site.directory {
            outputs.append(DirectoryOutput(directory: directory, site: site.name))
        }
        return outputs
    }
}

/// One ``NginxReloader`` per reload method (`reload:` command or `pid_file:`), so that every site
/// reloaded the same way shares one debounce window and one reload.
package final class NginxReloaders: Sendable {
    /// The process's registry, used by ``OutputFactory/outputs(for:logger:)``.
    package static let shared = NginxReloaders(logger: Logger(label: "staple.run.nginx"))

    private let debounce: Duration
    private let confirmation: StapleConfirmation
    private let backoff: ReloadBackoff
    private let logger: Logger
    private let reloaders = NIOLockedValueBox<[NginxOutputConfiguration.Reload: NginxReloader]>([:])

    package init(
        debounce: Duration = NginxReloader.defaultDebounce, backoff: ReloadBackoff = .default,
        confirmation: StapleConfirmation = StapleConfirmation(), logger: Logger
    ) {
        self.debounce = debounce
        self.backoff = backoff
        self.confirmation = confirmation
        self.logger = logger
    }

    /// The reloader for `method`, made on first use.
    package func reloader(for method: NginxOutputConfiguration.Reload) -> NginxReloader {
        reloaders.withLockedValue { table in
            if let existing = table[method] { return existing }
            let made = NginxReloader(
                signal: ReloadSignal(method), debounce: debounce, backoff: backoff, confirmation: confirmation,
                logger: logger)
            table[method] = made
            return made
        }
    }

    /// Every reloader made so far (for flushing them all at shutdown).
    package var all: [NginxReloader] { reloaders.withLockedValue { Array($0.values) } }
}
