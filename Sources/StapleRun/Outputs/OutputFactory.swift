import Logging
import NIOConcurrencyHelpers

/// Makes the outputs one site's configuration asks for.
package enum OutputFactory {
    /// The outputs of `site`, nginx sites sharing one reloader per reload method from `reloaders`;
    /// HAProxy outputs report their pushes to `observer` (nginx reloads go to the reloaders' observer).
    ///
    /// An nginx `include_file` that does not exist yet is written in its withdrawn form
    /// (`ssl_stapling off;`), so that nginx can start before the first staple is had.
    /// - Throws: ``OutputError`` when that snippet cannot be written, `confirm:` is not `HOST:PORT`, or
    ///   a HAProxy Unix socket path is longer than HAProxy accepts.
    package static func outputs(
        for site: SiteConfiguration, reloaders: NginxReloaders, observer: (any OutputObserver)? = nil, logger: Logger
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
            if case .unix(let path) = haproxy.socket,
                path.utf8.count > HAProxyOutputConfiguration.maximumUnixSocketPathLength
            {
                throw OutputError(
                    .socketPathTooLong, subject: path,
                    reason:
                        "site \(site.name): the path is \(path.utf8.count) bytes; HAProxy binds Unix sockets of at most "
                        + "\(HAProxyOutputConfiguration.maximumUnixSocketPathLength) bytes: use a shorter path or "
                        + "tcp:127.0.0.1:PORT")
            }
            outputs.append(HAProxyOutput(configuration: haproxy, site: site.name, logger: logger, observer: observer))
        }
        if let directory = site.directory {
            outputs.append(DirectoryOutput(directory: directory, site: site.name))
        }
        return outputs
    }
}

/// One ``NginxReloader`` per reload method (`reload:` command or `pid_file:`), so that every site
/// reloaded the same way shares one debounce window and one reload. ``RunService`` owns one, whose
/// reloaders report to its metrics.
package final class NginxReloaders: Sendable {
    private let debounce: Duration
    private let confirmation: StapleConfirmation
    private let backoff: ReloadBackoff
    private let observer: (any OutputObserver)?
    private let logger: Logger
    private let reloaders = NIOLockedValueBox<[NginxOutputConfiguration.Reload: NginxReloader]>([:])

    package init(
        debounce: Duration = NginxReloader.defaultDebounce, backoff: ReloadBackoff = .default,
        confirmation: StapleConfirmation = StapleConfirmation(), observer: (any OutputObserver)? = nil,
        logger: Logger
    ) {
        self.debounce = debounce
        self.backoff = backoff
        self.confirmation = confirmation
        self.observer = observer
        self.logger = logger
    }

    /// The reloader for `method`, made on first use.
    package func reloader(for method: NginxOutputConfiguration.Reload) -> NginxReloader {
        reloaders.withLockedValue { table in
            if let existing = table[method] { return existing }
            let made = NginxReloader(
                signal: ReloadSignal(method), debounce: debounce, backoff: backoff, confirmation: confirmation,
                observer: observer, logger: logger)
            table[method] = made
            return made
        }
    }

    /// Every reloader made so far (for flushing them all at shutdown).
    package var all: [NginxReloader] { reloaders.withLockedValue { Array($0.values) } }
}
