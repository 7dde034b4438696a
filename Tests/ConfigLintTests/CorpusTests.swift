import ConfigLint
import Foundation
import StapleTestSupport
import Testing

/// The corpus: each case must produce exactly the findings its `# expect-next:` comments name,
/// and the real server's checker must accept (or reject) it as `expect.txt` says.
@Suite("Corpus")
struct CorpusTests {
    static func findings(_ prepared: CorpusCase.Prepared, server: ServerKind, now: Date) -> (LintReport, [String]) {
        let report = Linter(now: now).lint(paths: [prepared.mainFile], as: server)
        let found = report.findings.map { "\($0.ruleID) \($0.location)" }.sorted()
        return (report, found)
    }

    @Test("findings match the expectations", arguments: CorpusCase.all)
    func findingsMatch(_ corpusCase: CorpusCase) throws {
        let fixture = try Fixture.get()
        let prepared = try corpusCase.prepare(fixture)
        let (report, found) = Self.findings(prepared, server: corpusCase.server, now: fixture.now)
        #expect(report.failures.isEmpty, "could not lint: \(report.failures)")
        #expect(found == prepared.expected, "\(corpusCase):\n\(TextReporter.render(report))")
        // Detection by name must agree with the flag.
        let detected = Linter(now: fixture.now).lint(paths: [prepared.mainFile])
        #expect(detected.configurations.first?.server == corpusCase.server)
    }

    /// The checker each server ships: `nginx -t`, `apache2 -t` (on the case's own ServerRoot), `haproxy -c`.
    static let checkers: [ServerKind: String] = [.nginx: "nginx", .apache: "apache2", .haproxy: "haproxy"]

    @Test("the real server's checker agrees with expect.txt", arguments: CorpusCase.all)
    func serverChecker(_ corpusCase: CorpusCase) throws {
        let fixture = try Fixture.get()
        let prepared = try corpusCase.prepare(fixture)
        let toolName = Self.checkers[corpusCase.server]!
        guard let tool = SystemTools.which(toolName) else {
            if SystemTools.isCI {
                Issue.record("\(toolName) is not installed (apt-get install \(toolName)); CI=true makes this a failure")
            } else {
                print("SKIPPED \(corpusCase) checker test: \(toolName) is not installed (apt-get install \(toolName))")
            }
            return
        }
        let result: SystemTools.Execution
        switch corpusCase.server {
        case .nginx:
            result = try SystemTools.execute(
                tool, ["-t", "-q", "-p", prepared.run, "-e", prepared.run + "/error.log", "-c", prepared.mainFile])
        case .apache:
            // No APACHE_* variables: the corpus configurations name their log and pid files themselves.
            result = try SystemTools.execute(
                tool, ["-t", "-d", prepared.directory, "-f", prepared.mainFile], in: prepared.directory)
        case .haproxy:
            // Without -q: its warnings are what `says:` lines record.
            result = try SystemTools.execute(tool, ["-c", "-f", prepared.mainFile], in: prepared.directory)
        }
        switch prepared.tool {
        case .accept: #expect(result.status == 0, "\(toolName) rejects \(corpusCase): \(result.combined)")
        case .reject: #expect(result.status != 0, "\(toolName) accepts \(corpusCase), expected a rejection")
        case .none: Issue.record("\(corpusCase) has no `tool:` line in expect.txt")
        }
        // What the checker says about the case, as recorded: the corpus shows what the linter adds.
        for text in prepared.says {
            if text == "(nothing)" {
                #expect(
                    result.combined.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                    "\(toolName) on \(corpusCase) says: \(result.combined)")
            } else {
                #expect(
                    result.combined.contains(text),
                    "\(toolName) on \(corpusCase) does not say \"\(text)\": \(result.combined)")
            }
        }
    }

    @Test("every rule is exercised by the corpus for every server it applies to")
    func coverage() throws {
        let fixture = try Fixture.get()
        var covered: [ServerKind: Set<String>] = [:]
        for corpusCase in CorpusCase.all {
            let prepared = try corpusCase.prepare(fixture)
            covered[corpusCase.server, default: []].formUnion(prepared.expected.map { String($0.prefix { $0 != " " }) })
        }
        for rule in RuleCatalog.all {
            for server in rule.servers {
                #expect(covered[server]?.contains(rule.id) == true, "no \(server.rawValue) case expects \(rule.id)")
            }
        }
    }
}
