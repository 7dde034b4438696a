import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Tells the story on standard output: headings, the commands run, what they showed, verdicts.
/// Silent under `--json` (the document is the output then). Each line is flushed at once, so a
/// reader (or a test) following the output sees it as it happens.
package struct Narrator: Sendable {
    package var style: Style
    package var quiet: Bool

    package init(style: Style, quiet: Bool) {
        self.style = style
        self.quiet = quiet
    }

    package func say(_ text: String = "") {
        guard !quiet else { return }
        print(text)
        fflush(nil)
    }

    package func heading(_ number: Int, _ title: String) {
        say()
        say(style.bold("\(number). \(title)"))
    }

    /// A command as typed, then the lines of what it showed, indented.
    package func ran(_ run: ToolRun, directory: String, showing lines: [String] = []) {
        say("   " + style.command("$ " + run.shown(directory: directory)))
        for line in lines { say("     " + line) }
    }

    /// One "what it proved" line.
    package func proved(_ text: String) {
        say("   " + style.good("=> ") + text)
    }

    /// One "what it fails to check" or caution line.
    package func caution(_ text: String) {
        say("   " + style.warn("!! ") + text)
    }

    package func note(_ text: String) {
        say("   " + style.dim(text))
    }

    /// The step's closing line: shown, not shown (with why), or skipped.
    package func outcome(_ step: StepReport) {
        switch step.outcome {
        case .shown: say("   " + style.good("[shown]") + " " + step.proved)
        case .skipped: say("   " + style.warn("[skipped]") + " " + step.problems.joined(separator: "; "))
        case .notShown:
            say("   " + style.bad("[NOT SHOWN]"))
            for problem in step.problems { say("     - " + problem) }
        }
    }
}
