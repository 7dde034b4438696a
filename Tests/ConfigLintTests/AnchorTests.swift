import ConfigLint
import Foundation
import Testing

/// Every finding points at the line to change, and says each cause once.
@Suite("Anchors and causes")
struct AnchorTests {
    static func report(_ corpusCase: CorpusCase) throws -> (CorpusCase.Prepared, LintReport) {
        let fixture = try Fixture.get()
        let prepared = try corpusCase.prepare(fixture)
        return (prepared, Linter(now: fixture.now).lint(paths: [prepared.mainFile], as: corpusCase.server))
    }

    /// What a line starts with, as the anchors name it: the directive's lower-cased name, or
    /// ``Anchor/crtListEntry`` for a HAProxy crt-list line (HAProxy has no include: any file but
    /// the main one is a crt-list).
    static func anchor(of location: ConfigLint.SourceLocation, server: ServerKind, mainFile: String) throws -> String {
        let text = try String(contentsOfFile: location.file, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard location.line >= 1, location.line <= lines.count else { return "<no line \(location.line)>" }
        if server == .haproxy && location.file != mainFile { return Anchor.crtListEntry }
        let separators: Set<Character> = [" ", "\t", ";"]
        let line = lines[location.line - 1].drop { $0 == " " || $0 == "\t" }
        return String(line.prefix { !separators.contains($0) }).lowercased()
    }

    @Test("each finding's line holds a directive its rule names", arguments: CorpusCase.all)
    func findingsPointAtTheirDirective(_ corpusCase: CorpusCase) throws {
        let (prepared, report) = try Self.report(corpusCase)
        let rules = Dictionary(uniqueKeysWithValues: RuleCatalog.all.map { ($0.id, $0) })
        for finding in report.findings {
            let rule = try #require(rules[finding.ruleID], "unknown rule \(finding.ruleID)")
            let anchor = try Self.anchor(of: finding.location, server: corpusCase.server, mainFile: prepared.mainFile)
            #expect(
                Anchor.matches(anchor, rule.anchors),
                "\(corpusCase): \(finding.ruleID) at \(finding.location) points at `\(anchor)`, not at \(rule.anchors.sorted())"
            )
        }
    }

    /// Rules that name the same cause when they meet in one site: the issuer nowhere to be found.
    static let issuerRules: Set<String> = [
        "chain-missing-issuer", "nginx-verify-without-trust", "trust-bundle-incomplete", "haproxy-ocsp-no-issuer",
    ]

    @Test("no two findings of one site have the same cause", arguments: CorpusCase.all)
    func oneFindingPerCause(_ corpusCase: CorpusCase) throws {
        let (_, report) = try Self.report(corpusCase)
        for site in report.configurations.flatMap(\.sites) {
            let findings = site.findings
            let keys = findings.map { "\($0.ruleID) \($0.location) \($0.message)" }
            #expect(Set(keys).count == keys.count, "\(site.site.name): the same finding twice: \(keys)")
            // Must-Staple is a consequence of whatever else breaks stapling on that line.
            for must in findings where must.ruleID == "must-staple-not-stapled" {
                let others = findings.filter { $0.breaksStapling && $0.location == must.location && $0 != must }
                #expect(others.isEmpty, "\(site.site.name): must-staple-not-stapled repeats \(others.map(\.ruleID))")
            }
            let issuer = findings.filter { Self.issuerRules.contains($0.ruleID) }.map(\.ruleID)
            #expect(Set(issuer).count <= 1, "\(site.site.name): one missing issuer, several findings: \(issuer)")
        }
    }

    /// A Must-Staple certificate makes the finding that breaks its stapling critical, in its own text;
    /// the same finding for another certificate of the same site keeps its severity.
    @Test func mustStapleIsPartOfTheCause() throws {
        let (_, nginx) = try Self.report(CorpusCase(server: .nginx, name: "misc"))
        let broken = try #require(
            nginx.configurations.first?.sites.first { $0.site.name == "server must-staple-broken.localhost" })
        #expect(broken.findings.map(\.ruleID) == ["chain-missing-issuer"])
        #expect(broken.findings.first?.severity == .critical)
        #expect(broken.findings.first?.message.contains("is Must-Staple") == true)

        let (_, haproxy) = try Self.report(CorpusCase(server: .haproxy, name: "ocsp-files"))
        let legacy = try #require(haproxy.configurations.first?.sites.first { $0.site.name == "listen legacy" })
        let missing = legacy.findings.filter { $0.ruleID == "haproxy-ocsp-missing" }
        #expect(missing.count == 2)
        #expect(missing.filter { $0.severity == .critical }.count == 1)
        #expect(missing.first { $0.severity == .critical }?.message.contains("must.pem") == true)
        #expect(missing.first { $0.severity == .warning }?.message.contains("expiredcert.pem") == true)
    }

    @Test func everyRuleNamesItsAnchors() {
        for rule in RuleCatalog.all {
            #expect(!rule.anchors.isEmpty, "\(rule.id) names no anchor")
        }
    }
}
