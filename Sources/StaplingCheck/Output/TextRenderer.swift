import Foundation

/// The report a person reads: a Nagios-style status line, then per target what was checked, what is
/// wrong and what to change.
package enum TextRenderer {
    /// - Parameter perfdata: append `| perfdata` to the first line (Nagios plugin output).
    package static func render(_ report: CheckReport, perfdata: Bool = false) -> String {
        var lines: [String] = [statusLine(report) + (perfdata ? " | " + PerfdataRenderer.render(report) : "")]
        for target in report.targets {
            lines.append("")
            lines += targetLines(target)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `STAPLE CHECK CRITICAL - 3 targets: 1 critical, 1 warning, 1 ok`.
    static func statusLine(_ report: CheckReport) -> String {
        let status = report.status.rawValue.uppercased()
        if report.targets.count == 1, let target = report.targets.first {
            return "STAPLE CHECK \(status) - \(target.target): \(summary(target))"
        }
        var counts: [String] = []
        for status in [CheckStatus.critical, .unknown, .warning, .ok] {
            let count = report.targets.filter { $0.status == status }.count
            if count > 0 { counts.append("\(count) \(status.rawValue)") }
        }
        return "STAPLE CHECK \(status) - \(report.targets.count) targets: \(counts.joined(separator: ", "))"
    }

    static func summary(_ target: TargetReport) -> String {
        if let error = target.error { return "could not check: \(error.reason)" }
        let worst = target.deployments.flatMap(\.findings).filter { $0.severity >= .warning }
        if worst.isEmpty {
            return target.deployments.map { "\($0.keyType) stapled \(percent($0.stapledRatio))" }
                .joined(separator: ", ")
        }
        return Array(Set(worst.map(\.id))).sorted().joined(separator: ", ")
    }

    static func targetLines(_ target: TargetReport) -> [String] {
        let dialled = CheckTarget.endpoint(target.target.dialHost, target.target.dialPort)
        var lines = [
            "\(target.target) (dialled \(dialled), SNI \(target.target.serverName ?? "none")): "
                + target.status.rawValue.uppercased()
        ]
        if let error = target.error {
            lines.append("  UNKNOWN \(error.code): \(error.reason)")
            return lines
        }
        for deployment in target.deployments {
            lines.append(
                "  \(deployment.keyType.uppercased()) certificate serial \(deployment.serial), \(deployment.subject), "
                    + "issuer \(deployment.issuer)")
            lines.append(
                "    Must-Staple: \(deployment.mustStaple ? "yes" : "no"); OCSP URL: "
                    + (deployment.ocspURLs.isEmpty ? "none" : deployment.ocspURLs.joined(separator: ", ")))
            let shakes = deployment.handshakes.map { shake in
                "#\(shake.number) \(shake.version ?? shake.offered) "
                    + (shake.error != nil ? "failed" : shake.stapled ? "stapled" : "no staple")
            }
            lines.append("    handshakes: " + shakes.joined(separator: ", "))
            if let staple = deployment.staple {
                let left = staple.hoursLeft.map { String(format: ", %.1f h left", $0) } ?? ""
                lines.append(
                    "    staple: \(staple.verdict), thisUpdate \(DeploymentJudge.time(staple.thisUpdate)), "
                        + "nextUpdate \(DeploymentJudge.time(staple.nextUpdate))\(left), \(staple.bytes) bytes"
                        + (deployment.distinctStaples > 1 ? ", \(deployment.distinctStaples) distinct staples" : ""))
            }
            for finding in deployment.findings {
                let check = finding.check.map { " [\($0.id), \($0.reference)]" } ?? ""
                lines.append("    \(finding.severity.rawValue.uppercased()) \(finding.id)\(check)")
                lines.append("      seen: \(finding.seen)")
                if !finding.fix.isEmpty { lines.append("      fix:  \(finding.fix)") }
            }
        }
        for note in target.notes { lines.append("  note: \(note)") }
        return lines
    }

    static func percent(_ ratio: Double) -> String { "\(Int((ratio * 100).rounded()))%" }
}
