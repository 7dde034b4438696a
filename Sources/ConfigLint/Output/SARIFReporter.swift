import Foundation

/// The `--sarif` report: SARIF 2.1.0, one run, one result per finding (and per input that could
/// not be linted, rule `lint-input`), so CI systems annotate the configuration lines.
package enum SARIFReporter {
    package static let schema = "https://json.schemastore.org/sarif-2.1.0.json"

    package static func render(_ report: LintReport, rules: [any LintRule] = RuleCatalog.all) -> String {
        var results: [[String: Any]] = []
        for failure in report.failures {
            results.append(
                result(rule: "lint-input", level: "error", message: failure.reason, location: failure.location))
        }
        for configuration in report.configurations {
            for site in configuration.sites {
                for finding in site.findings {
                    var item = result(
                        rule: finding.ruleID, level: level(finding.severity),
                        message: "\(site.site.name): \(finding.message)", location: finding.location)
                    item["properties"] = ["severity": finding.severity.description, "fix": finding.fix]
                    results.append(item)
                }
            }
        }
        var descriptors: [[String: Any]] = rules.map { rule in
            [
                "id": rule.id,
                "shortDescription": ["text": rule.summary],
                "help": ["text": rule.fix],
                "defaultConfiguration": ["level": level(rule.severity)],
            ]
        }
        descriptors.append([
            "id": "lint-input", "shortDescription": ["text": "A configuration could not be read or parsed"],
            "help": ["text": "Fix the file and line named"], "defaultConfiguration": ["level": "error"],
        ])
        let document: [String: Any] = [
            "$schema": schema,
            "version": "2.1.0",
            "runs": [
                [
                    "tool": [
                        "driver": [
                            "name": "staple lint", "informationUri": "https://github.com/staple/staple",
                            "rules": descriptors,
                        ]
                    ],
                    "results": results,
                    "properties": ["time": report.now.timeIntervalSince1970],
                ]
            ],
        ]
        // A dictionary of strings, numbers, arrays and dictionaries always serializes.
        let data = try! JSONSerialization.data(
            withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .note: "note"
        case .warning: "warning"
        case .error, .critical: "error"
        }
    }

    private static func result(rule: String, level: String, message: String, location: SourceLocation) -> [String: Any]
    {
        var region: [String: Any] = [:]
        if location.line > 0 { region["startLine"] = location.line }
        var physical: [String: Any] = ["artifactLocation": ["uri": uri(location.file)]]
        if !region.isEmpty { physical["region"] = region }
        return [
            "ruleId": rule, "level": level, "message": ["text": message], "locations": [["physicalLocation": physical]],
        ]
    }

    static func uri(_ path: String) -> String {
        path.hasPrefix("/")
            ? "file://" + (path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path) : path
    }
}
