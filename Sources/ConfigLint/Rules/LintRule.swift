/// A lint rule: a pure function from a site's facts and the time to findings.
public protocol LintRule: Sendable {
    /// Stable id, used in JSON, SARIF and the README's table.
    var id: String { get }
    /// The usual severity (a finding may be worse or milder; its own severity wins).
    var severity: Severity { get }
    /// The servers the rule applies to.
    var servers: Set<ServerKind> { get }
    /// One line: what the rule finds.
    var summary: String { get }
    /// One line: how to fix what it finds.
    var fix: String { get }
    func check(_ context: SiteContext) -> [Finding]
}

extension LintRule {
    public var servers: Set<ServerKind> { Set(ServerKind.allCases) }

    /// A finding of this rule with its default severity and fix unless given.
    func finding(
        _ location: SourceLocation, _ message: String, fix: String? = nil, severity: Severity? = nil,
        breaksStapling: Bool = false
    ) -> Finding {
        Finding(
            ruleID: id, severity: severity ?? self.severity, location: location, message: message, fix: fix ?? self.fix,
            breaksStapling: breaksStapling
        )
    }
}

/// Every rule, in the order they run. The Must-Staple rule runs last: it reads the others' findings.
public enum RuleCatalog {
    public static let all: [any LintRule] = [
        // Files and certificates, any server.
        CertificateUnreadableRule(),
        CertificateExpiredRule(),
        KeyMismatchRule(),
        NoOCSPURLRule(),
        StaplingWithoutTLSRule(),
        ChainMissingIssuerRule(),
        TrustBundleIncompleteRule(),
        // Staple files: nginx ssl_stapling_file, HAProxy .ocsp.
        StapleFileMissingRule(),
        StapleFileInvalidRule(),
        StapleFileWrongCertificateRule(),
        StapleFileBadSignatureRule(),
        StapleFileExpiredRule(),
        StapleFileExpiringRule(),
        StapleFileNoNextUpdateRule(),
        StapleFileSeveralResponsesRule(),
        StapleFileRevokedRule(),
        StapleFileUnknownStatusRule(),
        // nginx.
        NginxResolverMissingRule(),
        NginxResolverTimeoutRule(),
        NginxVerifyWithoutTrustRule(),
        NginxResponderHTTPSRule(),
        // Apache.
        ApacheStaplingCacheMissingRule(),
        ApacheResponderErrorsRule(),
        ApacheResponderTimeoutRule(),
        ApacheCacheTimeoutRule(),
        // HAProxy.
        HAProxyOCSPMissingRule(),
        HAProxyOCSPWithoutIssuerRule(),
        HAProxyOCSPUpdateRule(),
        // Last: judges the whole site.
        MustStapleRule(),
    ]

    /// Runs every rule that applies to the site's server, worst findings first.
    public static func findings(for context: SiteContext, rules: [any LintRule] = all) -> [Finding] {
        var context = context
        for rule in rules where rule.servers.contains(context.site.server) {
            context.findingsSoFar += rule.check(context)
        }
        return context.findingsSoFar.sorted {
            ($0.severity, $1.location, $1.ruleID) > ($1.severity, $0.location, $0.ruleID)
        }
    }
}
