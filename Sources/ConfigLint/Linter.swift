import Foundation

/// One site and what the rules found about it, worst first.
package struct SiteReport: Sendable {
    package var site: TLSSite
    package var findings: [Finding]

    /// The worst severity found, nil when clean.
    package var worst: Severity? { findings.map(\.severity).max() }
}

/// One configuration: its server, files and sites.
package struct ConfigurationReport: Sendable {
    package var path: String
    package var server: ServerKind
    package var files: [String]
    package var sites: [SiteReport]
}

/// The whole answer of a lint run.
package struct LintReport: Sendable {
    package var configurations: [ConfigurationReport]
    /// Inputs that could not be linted.
    package var failures: [LintError]
    /// The time expiry was judged at.
    package var now: Date

    package var findings: [Finding] { configurations.flatMap { $0.sites.flatMap(\.findings) } }

    /// The run's overall judgement: the worst finding, unless some input could not be linted.
    package var grade: LintGrade {
        if !failures.isEmpty { return .unlintable }
        switch findings.map(\.severity).max() {
        case .critical?, .error?: return .errors
        case .warning?: return .warnings
        default: return .clean
        }
    }
}

/// A lint run's overall judgement; the executable maps it to an exit status.
package enum LintGrade: Sendable, Hashable, Comparable {
    /// No finding above a note.
    case clean
    /// Warnings at worst.
    case warnings
    /// Errors or critical findings.
    case errors
    /// Some input could not be linted (unreadable, unparsable, nothing to lint).
    case unlintable
}

/// Reads configurations, loads the files they name, and runs the rules.
package struct Linter: Sendable {
    package var now: Date
    package var limits: ReadLimits
    package var rules: [any LintRule]

    /// - Important: `now` is the time certificates and staples are judged at.
    package init(now: Date, limits: ReadLimits = ReadLimits(), rules: [any LintRule] = RuleCatalog.all) {
        self.now = now
        self.limits = limits
        self.rules = rules
    }

    /// Lints each path (a configuration file, or a directory holding a usual main file) as `server`,
    /// or as detected.
    package func lint(paths: [String], as server: ServerKind? = nil) -> LintReport {
        var report = LintReport(configurations: [], failures: [], now: now)
        let store = MaterialStore()
        for path in paths {
            do {
                for file in try Self.mainFiles(path) {
                    let parsed = try ConfigurationParser.parse(path: file, as: server, limits: limits)
                    report.configurations.append(lint(parsed, store: store))
                }
            } catch let error as LintError {
                report.failures.append(error)
            } catch {
                report.failures.append(LintError(.unreadable, at: SourceLocation(file: path, line: 0), "\(error)"))
            }
        }
        return report
    }

    /// Runs the rules on a parsed configuration.
    func lint(_ configuration: ParsedConfiguration, store: MaterialStore) -> ConfigurationReport {
        let analyzer = SiteAnalyzer(store: store, now: now)
        let sites = configuration.sites.map { site in
            SiteReport(site: site, findings: RuleCatalog.findings(for: analyzer.context(for: site), rules: rules))
        }
        return ConfigurationReport(
            path: configuration.path, server: configuration.server, files: configuration.files, sites: sites)
    }

    /// A file as is; a directory's usual main configuration files.
    static func mainFiles(_ path: String) throws -> [String] {
        guard BoundedFile.isDirectory(path) else { return [path] }
        let candidates = ["nginx.conf", "apache2.conf", "httpd.conf", "haproxy.cfg"].map {
            PathResolution.join(path, $0)
        }
        let found = candidates.filter { BoundedFile.exists($0) }
        guard !found.isEmpty else {
            throw LintError(
                .unreadable, at: SourceLocation(file: path, line: 0),
                "\(path) is a directory without nginx.conf, apache2.conf, httpd.conf or haproxy.cfg")
        }
        return found
    }

    /// The usual locations that exist on this machine.
    package static func defaultPaths() -> [String] {
        ConfigurationParser.defaultPaths.filter { BoundedFile.exists($0) }
    }
}
