import Foundation

/// What `staple run` manages: every site, where its staple goes, and the service's own settings.
///
/// Read from YAML by ``RunConfigurationLoader``, or made by discovery from an nginx or HAProxy
/// configuration; ``RunConfigurationWriter`` prints it back as YAML that loads again.
package struct RunConfiguration: Sendable, Hashable {
    /// Where the engine persists staples across restarts (`state_directory`).
    package var stateDirectory: String
    /// `HOST:PORT` for `/metrics`, `/healthz` and `/status` (`metrics_listen`); nil: none.
    package var metricsListen: String?
    /// How often certificate files are looked at for renewals (`certificate_poll_interval`, seconds).
    package var certificatePollInterval: TimeInterval
    package var sites: [SiteConfiguration]
    /// A shared staple store (`store: postgresql://...`); nil: staples live in ``stateDirectory``
    /// only. The loader checks the URL's scheme; `staple run` parses the rest (StapleFleet's `StoreURL`).
    package var store: String?
    /// The file whose first line is the store's password (`store_password_file`); nil: `PGPASSWORD`, or none.
    package var storePasswordFile: String?
    /// Where the configuration was read from; nil when it was made by discovery.
    package var path: String?

    package static let defaultCertificatePollInterval: TimeInterval = 10

    package init(
        stateDirectory: String, metricsListen: String? = nil,
        certificatePollInterval: TimeInterval = Self.defaultCertificatePollInterval,
        sites: [SiteConfiguration], store: String? = nil, storePasswordFile: String? = nil, path: String? = nil
    ) {
        self.stateDirectory = stateDirectory
        self.metricsListen = metricsListen
        self.certificatePollInterval = certificatePollInterval
        self.sites = sites
        self.store = store
        self.storePasswordFile = storePasswordFile
        self.path = path
    }

    /// The same configuration without where it was written (``path``, each site's ``SiteConfiguration/line``
    /// and ``SiteConfiguration/origin``): what two configurations are compared by when only their
    /// meaning matters (a round trip through YAML, a re-read on SIGHUP).
    package var withoutSource: RunConfiguration {
        var copy = self
        copy.path = nil
        copy.sites = sites.map {
            var site = $0
            site.line = nil
            site.origin = nil
            return site
        }
        return copy
    }

    /// `file:line` of a site, for messages: the YAML line it was written at, else where discovery
    /// found it, else its name.
    package func location(of site: SiteConfiguration) -> String {
        if let line = site.line { return "\(path ?? "<configuration>"):\(line)" }
        return site.origin ?? "site \(site.name)"
    }
}

/// One certificate `staple run` keeps stapled, and the outputs its staple is installed in.
package struct SiteConfiguration: Sendable, Hashable {
    /// Unique among the sites; names the site in logs, metrics and `/status`.
    package var name: String
    /// PEM chain, leaf first, then its issuer.
    package var certificate: String
    /// A PEM file holding the issuer, when the chain lacks it.
    package var issuer: String?
    /// Overrides the certificate's OCSP URL.
    package var responder: String?
    /// Refresh at least this long before the staple's nextUpdate (`refresh_margin`, seconds); nil:
    /// the engine's default.
    package var refreshMargin: TimeInterval?
    /// Seconds one fetch attempt may take (`timeout`); nil: the fetcher's default.
    package var timeout: TimeInterval?
    package var nginx: NginxOutputConfiguration?
    package var haproxy: HAProxyOutputConfiguration?
    /// A directory where `<name>.der` is written, for any other consumer.
    package var directory: String?
    /// Where the site was written (`file:line`), for messages; nil when made by discovery.
    package var line: Int?
    /// Where discovery found the site in the server's configuration (`/etc/nginx/sites-enabled/www:12`);
    /// nil when read from YAML.
    package var origin: String?

    package init(
        name: String, certificate: String, issuer: String? = nil, responder: String? = nil,
        refreshMargin: TimeInterval? = nil, timeout: TimeInterval? = nil,
        nginx: NginxOutputConfiguration? = nil, haproxy: HAProxyOutputConfiguration? = nil,
        directory: String? = nil, line: Int? = nil, origin: String? = nil
    ) {
        self.origin = origin
        self.name = name
        self.certificate = certificate
        self.issuer = issuer
        self.responder = responder
        self.refreshMargin = refreshMargin
        self.timeout = timeout
        self.nginx = nginx
        self.haproxy = haproxy
        self.directory = directory
        self.line = line
    }
}

/// An nginx site: the `ssl_stapling_file` staple run writes, and how nginx is told to re-read it.
package struct NginxOutputConfiguration: Sendable, Hashable {
    package enum Reload: Sendable, Hashable {
        /// A shell command (`reload: nginx -s reload`).
        case command(String)
        /// SIGHUP to the process whose id is in this file (`pid_file: /run/nginx.pid`).
        case pidFile(String)
    }

    package var stapleFile: String
    package var reload: Reload
    /// `HOST:PORT` a confirming handshake is made to after a reload (`confirm`); nil: taken from
    /// the nginx configuration when discovery made the site, else no confirmation.
    package var confirm: String?
    /// The SNI name sent by the confirming handshake (`server_name`); nil: none.
    package var serverName: String?
    /// A snippet staple run manages and the `server{}` includes instead of writing the stapling lines
    /// itself (`include_file`): `ssl_stapling on; ssl_stapling_file ...;` while a good staple is
    /// installed, `ssl_stapling off;` when it is withdrawn. nil: the `server{}` names the staple file
    /// itself, and a staple cannot be withdrawn (nginx refuses a missing file and serves any file).
    package var includeFile: String?

    package init(
        stapleFile: String, reload: Reload, confirm: String? = nil, serverName: String? = nil,
        includeFile: String? = nil
    ) {
        self.stapleFile = stapleFile
        self.reload = reload
        self.confirm = confirm
        self.serverName = serverName
        self.includeFile = includeFile
    }
}

/// A HAProxy certificate: `<crt>.ocsp` is written beside it and the runtime API is told.
package struct HAProxyOutputConfiguration: Sendable, Hashable {
    package enum Socket: Sendable, Hashable {
        /// `socket: /run/haproxy/admin.sock`.
        case unix(path: String)
        /// `socket: tcp:127.0.0.1:9999`.
        case tcp(host: String, port: Int)
    }

    /// The longest Unix socket path HAProxy 2.6 binds and staple run accepts: 97 bytes. The kernel's
    /// `sun_path` holds 108 bytes with the NUL, but HAProxy binds `<path>.<pid>.tmp` first and renames
    /// it, so longer paths fail there (measured: /work/shared/TESTING-NOTES.md).
    package static let maximumUnixSocketPathLength = 97

    /// The PEM file HAProxy's `crt` names.
    package var crt: String
    /// The runtime API (`stats socket ... level admin`); nil: only the `.ocsp` file is written.
    package var socket: Socket?

    package init(crt: String, socket: Socket? = nil) {
        self.crt = crt
        self.socket = socket
    }
}
