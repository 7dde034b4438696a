import Foundation

/// Step 4: `staple lint` on the bundled sample nginx configuration with the classic mistakes.
package enum LintStep {
    package static func run(_ context: DemoContext, files: BadStaplesStep.Files) async throws(DemoError) -> StepReport {
        let narrator = context.narrator
        var step = StepReport(id: "lint", title: "staple lint on an nginx configuration with the classic mistakes")
        narrator.heading(4, step.title)
        let path = "\(context.directory)/lint/nginx.conf"
        do {
            try FileManager.default.createDirectory(
                atPath: "\(context.directory)/lint", withIntermediateDirectories: true)
            try SampleNginxConfiguration.text(
                pki: context.pki, expiredStaple: files.expired, foreignStaple: files.foreign
            )
            .write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw DemoError(.directoryFailed, subject: path, reason: "cannot write the sample configuration: \(error)")
        }
        narrator.note(
            "The sample (written to $DEMO/lint/nginx.conf) has five server{} blocks, one classic mistake or two each.")
        let lint = try await context.staple(["lint", "--nginx", path, "--json"], waiting: "staple lint")
        step.commands.append(lint.shown(directory: context.directory))
        guard let document = LintDocument.parse(lint) else {
            step.fail(
                "staple lint printed no report (exit \(lint.exitShown)): \(lint.errors)")
            narrator.outcome(step)
            return step
        }
        let lines = document.findings.sorted { $0.line < $1.line }.map { finding in
            "nginx.conf:\(finding.line) \(severity(finding.severity, narrator.style)) \(finding.rule): \(firstSentence(finding.message.replacingOccurrences(of: context.directory, with: "$DEMO")))"
        }
        narrator.ran(
            lint, directory: context.directory,
            showing: lines + ["(exit status \(lint.exitShown): CRITICAL)"])
        let found = Set(document.findings.map(\.rule))
        step.facts["rules"] = .text(found.sorted().joined(separator: ","))
        step.facts["exit_status"] = .number(Double(lint.status ?? -1))
        let missing = SampleNginxConfiguration.expectedRules.subtracting(found)
        step.expect(missing.isEmpty, "staple lint did not report \(missing.sorted().joined(separator: ", "))")
        step.expect(
            lint.status == 2, "staple lint exited \(lint.exitShown), not 2 (CRITICAL)")
        step.checked = [
            "staple lint read the sample, loaded every certificate and staple file it names, and judged each server{}"
        ]
        if step.outcome == .shown {
            step.proved = "staple lint found every mistake, each at the line to change, before any client saw one"
        }
        narrator.outcome(step)
        return step
    }

    static func severity(_ name: String, _ style: Style) -> String {
        switch name {
        case "critical", "error": style.bad(name)
        case "warning": style.warn(name)
        default: style.dim(name)
        }
    }

    /// The message up to its first ": " clause end or period, so that a line stays readable.
    static func firstSentence(_ message: String) -> String {
        let cut = message.range(of: ". ").map { String(message[..<$0.lowerBound]) } ?? message
        return cut.count > 160 ? String(cut.prefix(157)) + "..." : cut
    }
}
