import Foundation

/// Nagios plugin performance data: `'label'=value[unit];warn;crit;min;max`, space-separated.
///
/// Per deployment: `hours_left` (hours to the staple's nextUpdate, with the thresholds),
/// `staple_age` (seconds since thisUpdate) and `stapled_ratio` (0 to 1). With one deployment in all
/// the labels are the bare names; otherwise each is prefixed by `<target> <key type> `.
package enum PerfdataRenderer {
    package static func render(_ report: CheckReport) -> String {
        let deployments = report.targets.flatMap { target in target.deployments.map { (target, $0) } }
        let prefixed = deployments.count > 1
        var items: [String] = []
        for (target, deployment) in deployments {
            let prefix = prefixed ? "\(target.target.text) \(deployment.keyType) " : ""
            if let hours = deployment.staple?.hoursLeft {
                items.append(
                    item(
                        prefix + "hours_left", format(hours), warn: format(report.policy.warningHours),
                        crit: format(report.policy.criticalHours)))
            }
            if let age = deployment.staple?.ageSeconds {
                items.append(item(prefix + "staple_age", format(age.rounded()) + "s", min: "0"))
            }
            items.append(item(prefix + "stapled_ratio", format(deployment.stapledRatio), min: "0", max: "1"))
        }
        return items.joined(separator: " ")
    }

    static func item(
        _ label: String, _ value: String, warn: String = "", crit: String = "", min: String = "", max: String = ""
    ) -> String {
        let quoted =
            label.contains(where: { $0 == " " || $0 == "=" || $0 == "'" })
            ? "'\(label.replacingOccurrences(of: "'", with: "''"))'" : label
        var fields = [value, warn, crit, min, max]
        while fields.count > 1, fields.last == "" { fields.removeLast() }
        return "\(quoted)=\(fields.joined(separator: ";"))"
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.2f", rounded)
    }
}
