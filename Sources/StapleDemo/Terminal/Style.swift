import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How the story is written: with ANSI colours when standard output is a terminal and `NO_COLOR`
/// is unset or empty (https://no-color.org), plain otherwise.
package struct Style: Sendable {
    package var colours: Bool
    /// Standard output is a terminal: the progress line may be redrawn in place.
    package var terminal: Bool

    package init(colours: Bool, terminal: Bool) {
        self.colours = colours
        self.terminal = terminal
    }

    /// What this process's standard output and environment ask for.
    package static func forStandardOutput(
        environment: [String: String] = ProcessInfo.processInfo.environment
    )
        -> Style
    {
        decide(terminal: isatty(STDOUT_FILENO) == 1, environment: environment)
    }

    /// Colours only on a terminal, and not when `NO_COLOR` is set to anything non-empty or `TERM` is `dumb`.
    package static func decide(terminal: Bool, environment: [String: String]) -> Style {
        let noColour = !(environment["NO_COLOR"] ?? "").isEmpty
        return Style(colours: terminal && !noColour && environment["TERM"] != "dumb", terminal: terminal)
    }

    private func wrap(_ text: String, _ code: String) -> String {
        colours ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    package func bold(_ text: String) -> String { wrap(text, "1") }
    package func dim(_ text: String) -> String { wrap(text, "2") }
    package func good(_ text: String) -> String { wrap(text, "32") }
    package func bad(_ text: String) -> String { wrap(text, "31") }
    package func warn(_ text: String) -> String { wrap(text, "33") }
    package func command(_ text: String) -> String { wrap(text, "36") }
}

/// The one progress line shown while something waits ("waiting for staple serve to listen ... 1.2 s"),
/// redrawn in place on a terminal and never written otherwise (a log is no place for it).
package struct Progress: Sendable {
    package var enabled: Bool

    package init(enabled: Bool) { self.enabled = enabled }

    package func show(_ message: String, elapsed: Duration) {
        guard enabled else { return }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let spinner = ["|", "/", "-", "\\"][Int(seconds * 8) % 4]
        write("\r\u{1B}[2K  \(spinner) \(message) (\(String(format: "%.1f", seconds)) s)")
    }

    package func clear() {
        guard enabled else { return }
        write("\r\u{1B}[2K")
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
