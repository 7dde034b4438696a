import Foundation
import StapleRun

/// `staple run` YAML configurations as ``RunConfigurationLoader`` parses them (Yams, libyaml).
///
/// Invariants: every input either yields a configuration or is refused with a
/// ``ConfigurationError`` whose subject is the file, or `file:line` with a line that exists; a
/// configuration that parses is written back (``RunConfigurationWriter``) as YAML that parses again
/// to the same YAML (the writer and the loader agree).
enum RunYAMLCheck {
    static let path = "/etc/staple/fuzz.yaml"

    static func check(_ bytes: [UInt8]) throws(InvariantViolation) {
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = YAMLLines.count(text.utf8)  // as libyaml counts them: a lone CR is a line break too
        let configuration: RunConfiguration
        do {
            configuration = try RunConfigurationLoader.parse(yaml: text, path: path)
        } catch {
            try requireLocated(error, lines: lines)
            return
        }
        let written = RunConfigurationWriter.yaml(configuration)
        let again: RunConfiguration
        do {
            again = try RunConfigurationLoader.parse(yaml: written, path: path)
        } catch {
            throw InvariantViolation(.runYAML, "the writer's YAML does not load again: \(error)\n\(written)")
        }
        let rewritten = RunConfigurationWriter.yaml(again)
        guard rewritten == written else {
            throw InvariantViolation(.runYAML, "writing, loading and writing again changed the YAML:\n\(written)\n---\n\(rewritten)")
        }
    }

    static func requireLocated(_ error: ConfigurationError, lines: Int) throws(InvariantViolation) {
        let subject = error.subject ?? ""
        guard subject == path || subject.hasPrefix(path + ":") else {
            throw InvariantViolation(.runYAML, "refused without naming the file: \(error)")
        }
        guard subject != path else { return }
        let rest = subject.dropFirst(path.count + 1)
        guard let line = Int(rest.prefix { $0.isNumber }), line >= 1, line <= lines + 1 else {
            throw InvariantViolation(.runYAML, "refused at a line that does not exist (\(lines) lines): \(error)")
        }
    }
}
