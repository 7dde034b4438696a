import ConfigLint
import Foundation
import Testing

@Suite("Output and exit codes")
struct OutputTests {
    static func report(_ name: String) throws -> LintReport {
        let fixture = try Fixture.get()
        let corpusCase = CorpusCase(server: .nginx, name: name)
        let prepared = try corpusCase.prepare(fixture)
        return Linter(now: fixture.now).lint(paths: [prepared.mainFile], as: .nginx)
    }

    @Test func grades() throws {
        #expect(try Self.report("clean").grade == .clean)
        #expect(try Self.report("misc").grade == .errors)
        // Warnings only: resolver-missing (warning) and resolver-timeout (note).
        #expect(try Self.report("resolver").grade == .warnings)
        let unreadable = Linter(now: Date()).lint(paths: ["/nonexistent/nginx.conf"])
        #expect(unreadable.grade == .unlintable)
        #expect(unreadable.failures.first?.reason.contains("/nonexistent/nginx.conf") == true)
    }

    @Test func textGroupsBySiteWorstFirst() throws {
        let text = TextReporter.render(try Self.report("misc"))
        let critical = try #require(text.range(of: "must-staple-off.localhost"))
        let warning = try #require(text.range(of: "server noocsp.localhost"))
        #expect(critical.lowerBound < warning.lowerBound)
        #expect(text.contains("fix: "))
        #expect(text.contains("nginx.conf:"))
    }

    @Test func jsonHasStableFields() throws {
        let report = try Self.report("misc")
        let json = JSONReporter.render(report, exitCode: 2)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["version", "time", "exitCode", "failures", "configurations"])
        let configuration = try #require((object["configurations"] as? [[String: Any]])?.first)
        let site = try #require((configuration["sites"] as? [[String: Any]])?.first)
        #expect(Set(site.keys) == ["name", "file", "line", "tls", "stapling", "findings"])
        let findings = (configuration["sites"] as? [[String: Any]] ?? []).flatMap {
            $0["findings"] as? [[String: Any]] ?? []
        }
        #expect(findings.count == report.findings.count)
        #expect(findings.allSatisfy { Set($0.keys) == ["rule", "severity", "file", "line", "message", "fix"] })
        #expect(object["exitCode"] as? Int == 2)
    }

    @Test func sarif() throws {
        let report = try Self.report("misc")
        let sarif = SARIFReporter.render(report)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(sarif.utf8)) as? [String: Any])
        #expect(object["version"] as? String == "2.1.0")
        let run = try #require((object["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == report.findings.count)
        let rules = ((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]] ?? []
        let ids = Set(rules.compactMap { $0["id"] as? String })
        #expect(results.allSatisfy { ids.contains($0["ruleId"] as? String ?? "") })
        let region =
            ((results.first?["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["region"]
            as? [String: Any]
        #expect((region?["startLine"] as? Int ?? 0) > 0)
    }

    /// `--at` is the time everything is judged at: two years on, every certificate has expired
    /// (the PKI's leaves are valid 365 days) and the staple-free clean case is no longer clean.
    @Test func judgedAtAGivenTime() throws {
        let fixture = try Fixture.get()
        let prepared = try CorpusCase(server: .nginx, name: "clean").prepare(fixture)
        let now = Linter(now: fixture.now).lint(paths: [prepared.mainFile], as: .nginx)
        let later = Linter(now: fixture.now.addingTimeInterval(2 * 365 * 86_400)).lint(
            paths: [prepared.mainFile], as: .nginx)
        #expect(now.findings.isEmpty)
        #expect(later.findings.map(\.ruleID) == ["certificate-expired", "certificate-expired"])
        #expect(later.grade == .errors)
    }

    @Test func ruleIDsAreUnique() {
        let ids = RuleCatalog.all.map(\.id)
        #expect(Set(ids).count == ids.count)
    }
}
