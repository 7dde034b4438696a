import Foundation
import Yams

/// Prints a ``RunConfiguration`` as YAML that ``RunConfigurationLoader`` reads back (`--print-config`).
///
/// Values are written plain when YAML reads them back as the same string, else double-quoted with
/// escapes; durations in the largest exact unit (`15m`). Sites made by discovery get a comment
/// saying where they were found.
package enum RunConfigurationWriter {
    package static func yaml(_ configuration: RunConfiguration) -> String {
        var lines = [
            "# staple run configuration (docs/run-configuration.md).",
            configuration.path.map { "# Read from \($0)." }
                ?? "# Made by discovery: check it, then run `staple run --config FILE --check-config`.",
        ]
        lines.append("state_directory: \(scalar(configuration.stateDirectory))")
        if let metricsListen = configuration.metricsListen { lines.append("metrics_listen: \(scalar(metricsListen))") }
        if configuration.certificatePollInterval != RunConfiguration.defaultCertificatePollInterval {
            lines.append("certificate_poll_interval: \(DurationValue.text(configuration.certificatePollInterval))")
        }
        if let store = configuration.store { lines.append("store: \(scalar(store))") }
        if let file = configuration.storePasswordFile { lines.append("store_password_file: \(scalar(file))") }
        // No sites: `sites: []`, which the loader refuses ("nothing to manage"), as staple run should.
        lines.append(configuration.sites.isEmpty ? "sites: []" : "sites:")
        for site in configuration.sites { lines += self.site(site) }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func site(_ site: SiteConfiguration) -> [String] {
        var lines: [String] = []
        if let origin = site.origin { lines.append("  # found at \(origin.filter { $0 != "\n" && $0 != "\r" })") }
        lines.append("  - name: \(scalar(site.name))")
        func add(_ key: String, _ value: String?, indent: String = "    ") {
            if let value { lines.append("\(indent)\(key): \(scalar(value))") }
        }
        add("certificate", site.certificate)
        add("issuer", site.issuer)
        add("responder", site.responder)
        if let margin = site.refreshMargin { lines.append("    refresh_margin: \(DurationValue.text(margin))") }
        if let timeout = site.timeout { lines.append("    timeout: \(DurationValue.text(timeout))") }
        if let nginx = site.nginx {
            lines.append("    nginx:")
            add("staple_file", nginx.stapleFile, indent: "      ")
            add("include_file", nginx.includeFile, indent: "      ")
            switch nginx.reload {
            case .command(let command): add("reload", command, indent: "      ")
            case .pidFile(let path): add("pid_file", path, indent: "      ")
            }
            add("confirm", nginx.confirm, indent: "      ")
            add("server_name", nginx.serverName, indent: "      ")
        }
        if let haproxy = site.haproxy {
            lines.append("    haproxy:")
            add("crt", haproxy.crt, indent: "      ")
            switch haproxy.socket {
            case .unix(let path): add("socket", path, indent: "      ")
            case .tcp(let host, let port): add("socket", "tcp:\(HostPort(host: host, port: port))", indent: "      ")
            case nil: break
            }
        }
        add("directory", site.directory)
        return lines
    }

    /// `text` as a YAML scalar that reads back as exactly `text`: plain when YAML agrees, else
    /// double-quoted.
    static func scalar(_ text: String) -> String {
        if isPlainSafe(text) { return text }
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            case "\r": quoted += "\\r"
            case _
            where scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar.value == 0xFEFF:
                quoted += String(format: "\\u%04X", scalar.value)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    /// Whether `text` written plain reads back as the same string: printable ASCII without YAML
    /// indicators, and Yams resolves it to a string (not a number, boolean or null).
    private static func isPlainSafe(_ text: String) -> Bool {
        guard let first = text.first, let last = text.last, first != " ", last != " ", last != ":",
            !"-?:,[]{}#&*!|>'\"%@`~".contains(first),
            text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/_.:@+=,-~ ".contains($0)) }),
            !text.contains(": "), !text.contains(" #")
        else { return false }
        guard let node = try? Yams.compose(yaml: "k: \(text)"), case .mapping(let mapping) = node,
            let value = mapping["k"], case .scalar(let scalar) = value
        else { return false }
        return scalar.string == text && value.tag.rawValue == Tag.Name.str.rawValue
    }
}
