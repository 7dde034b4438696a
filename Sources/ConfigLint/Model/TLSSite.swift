/// One certificate a site serves, with the files that go with it.
public struct CertificateSlot: Hashable, Sendable {
    /// The certificate file (leaf first, possibly followed by its chain; HAProxy also puts the key there).
    public var certificate: Located<String>
    /// The private key file, when it is separate (`ssl_certificate_key`, `SSLCertificateKeyFile`, HAProxy `.key`).
    public var key: Located<String>?
    /// A separate chain file (`SSLCertificateChainFile`).
    public var chain: Located<String>?
    /// A prepared OCSP response to staple (`ssl_stapling_file`, HAProxy `<crt>.ocsp`).
    public var stapleFile: Located<String>?
    /// A file holding the issuer (HAProxy `<crt>.issuer`).
    public var issuerFile: Located<String>?
    /// HAProxy `ocsp-update on|off` for this certificate (a crt-list option, or a crt-store `load` argument).
    public var ocspUpdate: Directive?

    public init(
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
public struct TLSSite: Hashable, Sendable {
    public var server: ServerKind
    /// How a reader finds it: `server example.org`, `<VirtualHost *:443> example.org`, `frontend www`.
    public var name: String
    /// Where the site's block starts.
    public var location: SourceLocation
    /// Whether the site terminates TLS (`listen ... ssl`, `SSLEngine on`, `bind ... ssl`), and where that is said.
    public var tls: SourceLocation?
    public var certificates: [CertificateSlot]
    /// CA certificates used to find the issuer and verify responses
    /// (`ssl_trusted_certificate`, `SSLCACertificateFile`, HAProxy `ca-file`).
    public var trustBundle: Located<String>?
    /// A directory of CA certificates under their subject-hash names (`SSLCACertificatePath`, made by
    /// `c_rehash` / `openssl rehash`); OpenSSL finds a certificate there only under its hash name.
    public var trustDirectory: Located<String>?
    /// Whether the server is told to staple, and where (`ssl_stapling on`, `SSLUseStapling On`;
    /// for HAProxy, the first `.ocsp` file found).
    public var staplingEnabled: SourceLocation?
    /// Whether the server can staple for this site at all: false for nginx `stream {}` servers,
    /// whose TLS module has no stapling (`ssl_stapling` "is not allowed here" in nginx 1.22).
    public var canStaple = true
    /// The directives in effect for the site, by lower-cased name; the last one written wins.
    public var settings: [String: [Directive]]
    /// Names of the directives written in the site's own block (not inherited).
    public var ownSettings: Set<String>
    /// Server-wide directives (Apache outside any virtual host, HAProxy `global`), by lower-cased name.
    public var serverWide: [String: [Directive]]

    public init(
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
    public var trustStore: Located<String>? { trustBundle ?? trustDirectory }

    /// The last directive `name` in effect for the site, if any.
    public func setting(_ name: String) -> Directive? { settings[name.lowercased()]?.last }

    /// The last server-wide directive `name`, if any.
    public func serverWideSetting(_ name: String) -> Directive? { serverWide[name.lowercased()]?.last }
}

/// Everything one configuration yields: its sites and the files it read.
public struct ParsedConfiguration: Sendable {
    public var server: ServerKind
    /// The main configuration file.
    public var path: String
    public var sites: [TLSSite]
    /// Every configuration file read, main file first.
    public var files: [String]

    public init(server: ServerKind, path: String, sites: [TLSSite], files: [String]) {
        self.server = server
        self.path = path
        self.sites = sites
        self.files = files
    }
}
