/// One certificate a site serves, with the files that go with it.
package struct CertificateSlot: Hashable, Sendable {
    /// The certificate file (leaf first, possibly followed by its chain; HAProxy also puts the key there).
    package var certificate: Located<String>
    /// The private key file, when it is separate (`ssl_certificate_key`, `SSLCertificateKeyFile`, HAProxy `.key`).
    package var key: Located<String>?
    /// A separate chain file (`SSLCertificateChainFile`).
    package var chain: Located<String>?
    /// A prepared OCSP response to staple (`ssl_stapling_file`, HAProxy `<crt>.ocsp`).
    package var stapleFile: Located<String>?
    /// A file holding the issuer (HAProxy `<crt>.issuer`).
    package var issuerFile: Located<String>?
    /// HAProxy `ocsp-update on|off` for this certificate (a crt-list option, or a crt-store `load` argument).
    package var ocspUpdate: Directive?

    package init(
        certificate: Located<String>, key: Located<String>? = nil, chain: Located<String>? = nil,
        stapleFile: Located<String>? = nil, issuerFile: Located<String>? = nil
    ) {
        self.certificate = certificate
        self.key = key
        self.chain = chain
        self.stapleFile = stapleFile
        self.issuerFile = issuerFile
    }
}

/// One TLS site, whatever the server: what every parser yields and every rule reads.
///
/// The typed fields are what the rules share; ``settings`` keeps every directive in effect for the
/// site (inherited ones included) by lower-cased name, with its file and line, for server-specific
/// rules.
package struct TLSSite: Hashable, Sendable {
    package var server: ServerKind
    /// How a reader finds it: `server example.org`, `<VirtualHost *:443> example.org`, `frontend www`.
    package var name: String
    /// Where the site's block starts.
    package var location: SourceLocation
    /// Whether the site terminates TLS (`listen ... ssl`, `SSLEngine on`, `bind ... ssl`), and where that is said.
    package var tls: SourceLocation?
    package var certificates: [CertificateSlot]
    /// CA certificates used to find the issuer and verify responses
    /// (`ssl_trusted_certificate`, `SSLCACertificateFile`, HAProxy `ca-file`).
    package var trustBundle: Located<String>?
    /// A directory of CA certificates under their subject-hash names (`SSLCACertificatePath`, made by
    /// `c_rehash` / `openssl rehash`); OpenSSL finds a certificate there only under its hash name.
    package var trustDirectory: Located<String>?
    /// Whether the server is told to staple, and where (`ssl_stapling on`, `SSLUseStapling On`;
    /// for HAProxy, the first `.ocsp` file found).
    package var staplingEnabled: SourceLocation?
    /// Whether the server can staple for this site at all: false for nginx `stream {}` servers,
    /// whose TLS module has no stapling (`ssl_stapling` "is not allowed here" in nginx 1.22).
    package var canStaple = true
    /// The directives in effect for the site, by lower-cased name; the last one written wins.
    package var settings: [String: [Directive]]
    /// Names of the directives written in the site's own block (not inherited).
    package var ownSettings: Set<String>
    /// Server-wide directives (Apache outside any virtual host, HAProxy `global`), by lower-cased name.
    package var serverWide: [String: [Directive]]

    package init(
        server: ServerKind, name: String, location: SourceLocation, tls: SourceLocation? = nil,
        certificates: [CertificateSlot] = [], trustBundle: Located<String>? = nil,
        staplingEnabled: SourceLocation? = nil,
        settings: [String: [Directive]] = [:], ownSettings: Set<String> = [], serverWide: [String: [Directive]] = [:]
    ) {
        self.server = server
        self.name = name
        self.location = location
        self.tls = tls
        self.certificates = certificates
        self.trustBundle = trustBundle
        self.staplingEnabled = staplingEnabled
        self.settings = settings
        self.ownSettings = ownSettings
        self.serverWide = serverWide
    }

    /// The trust bundle, else the trust directory: where the site says its CA certificates are.
    package var trustStore: Located<String>? { trustBundle ?? trustDirectory }

    /// The last directive `name` in effect for the site, if any.
    package func setting(_ name: String) -> Directive? { settings[name.lowercased()]?.last }

    /// The last server-wide directive `name`, if any.
    package func serverWideSetting(_ name: String) -> Directive? { serverWide[name.lowercased()]?.last }
}

/// Everything one configuration yields: its sites and the files it read.
package struct ParsedConfiguration: Sendable {
    package var server: ServerKind
    /// The main configuration file.
    package var path: String
    package var sites: [TLSSite]
    /// Every configuration file read, main file first.
    package var files: [String]

    package init(server: ServerKind, path: String, sites: [TLSSite], files: [String]) {
        self.server = server
        self.path = path
        self.sites = sites
        self.files = files
    }
}
