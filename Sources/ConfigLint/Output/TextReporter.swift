import OCSPCore

/// The human-readable report: sites grouped, worst site first, each finding with its fix.
package enum TextReporter {
    package static func render(_ report: LintReport) -> String {
        var out = ""
        for failure in report.failures {
            out += "error: could not lint \(failure.location): \(failure.reason)\n"
        }
        let sites = report.configurations.flatMap { configuration in configuration.sites.map { (configuration, $0) } }
        let ordered = sites.enumerated().sorted { lhs, rhs in
            let (l, r) = (lhs.element.1.worst?.rawValue ?? -1, rhs.element.1.worst?.rawValue ?? -1)
            return l != r ? l > r : lhs.offset < rhs.offset
        }
        for (_, (configuration, site)) in ordered {
            let status = site.findings.isEmpty ? "ok" : counts(site.findings)
            out += "\n\(configuration.server.displayName) \(site.site.name) (\(site.site.location)): \(status)\n"
            for finding in site.findings {
                out += "  \(finding.severity) [\(finding.ruleID)] \(finding.location): \(finding.message)\n"
                out += "    fix: \(finding.fix)\n"
            }
        }
        let total = report.findings
        let configs = report.configurations.count
        out +=
            "\n\(configs) configuration\(configs == 1 ? "" : "s"), \(sites.count) TLS site\(sites.count == 1 ? "" : "s"), "
            + (total.isEmpty ? "no findings" : counts(total)) + " (judged at \(report.now.iso8601))\n"
        return out
    }

    static func counts(_ findings: [Finding]) -> String {
        Severity.allCases.reversed().compactMap { severity in
            let count = findings.filter { $0.severity == severity }.count
            return count == 0 ? nil : "\(count) \(severity)\(count == 1 || severity == .critical ? "" : "s")"
        }.joined(separator: ", ")
    }
}
