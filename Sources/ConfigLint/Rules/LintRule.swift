/// A lint rule: a pure function from a site's facts and the time to findings.
package protocol LintRule: Sendable {
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
    /// What a finding's line may hold: lower-cased directive names (`ssl_stapling_file`,
    /// `sslusestapling`), a trailing `*` for a prefix (`ssl_stapling*`), or ``Anchor/crtListEntry``.
    ///
    /// Every finding points at the directive that must change, or, for something missing, at the
    /// line that needs it; the corpus tests read each finding's line and check it against this set.
    var anchors: Set<String> { get }
    func check(_ context: SiteContext) -> [Finding]
}

/// Shared anchor names (see ``LintRule/anchors``).
package enum Anchor {
    /// A line of a HAProxy crt-list file (it starts with the certificate's path, not a keyword).
    package static let crtListEntry = "<crt-list entry>"
    /// The lines naming a certificate: nginx, Apache, HAProxy `bind ... crt`, crt-list and crt-store `load` lines.
    package static let certificate: Set<String> = [
        "ssl_certificate", "sslcertificatefile", "bind", "load", crtListEntry,
    ]
    /// The lines HAProxy loads a certificate's side files (`.ocsp`, `.issuer`, `.key`) for.
    package static let haproxyCertificate: Set<String> = ["bind", "load", crtListEntry]

    /// Whether `name` (as written on a line, any case) matches one of `anchors`.
    package static func matches(_ name: String, _ anchors: Set<String>) -> Bool {
        let name = name.lowercased()
        return anchors.contains(name) || anchors.contains { $0.hasSuffix("*") && name.hasPrefix($0.dropLast()) }
    }
}

extension LintRule {
    package var servers: Set<ServerKind> { Set(ServerKind.allCases) }

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
package enum RuleCatalog {
    package static let all: [any LintRule] = [
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
        NginxStapleFileSharedRule(),
        NginxCertificateVariableRule(),
        ClientOCSPNotStaplingRule(),
        NginxStreamNoStaplingRule(),
        // Apache.
        ApacheStaplingCacheMissingRule(),
        ApacheResponderErrorsRule(),
        ApacheResponderTimeoutRule(),
        ApacheCacheTimeoutRule(),
        ApacheStaplingForceURLRule(),
        // HAProxy.
        HAProxyOCSPMissingRule(),
        HAProxyOCSPWithoutIssuerRule(),
        HAProxyOCSPUpdateRule(),
        HAProxyOCSPUpdateWithoutIssuerRule(),
        HAProxyOCSPUpdateDelayRule(),
        // Last: judges the whole site.
        MustStapleRule(),
    ]

    /// Runs every rule that applies to the site's server, worst findings first.
    package static func findings(for context: SiteContext, rules: [any LintRule] = all) -> [Finding] {
        var context = context
        for rule in rules where rule.servers.contains(context.site.server) {
            context.findingsSoFar += rule.check(context)
        }
        if rules.contains(where: { $0 is MustStapleRule }) {
            context.findingsSoFar = MustStapleRule.escalate(context.findingsSoFar, in: context)
        }
        // One cause, one finding: certificates sharing a file (nginx's one ssl_stapling_file) make the same finding.
        var seen: Set<Finding> = []
        return context.findingsSoFar.filter { seen.insert($0).inserted }.sorted {
            ($0.severity, $1.location, $1.ruleID) > ($1.severity, $0.location, $0.ruleID)
        }
    }
}
