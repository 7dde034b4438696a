import OCSPCore

/// The lines of a list file that say something: `#` starts a comment, blank lines are skipped,
/// whitespace around the text is dropped. Each comes with its line number (from 1), so that an error
/// names `FILE:LINE`. The format of `staple check -f` and `staple serve --cert-list`.
package enum ListFile {
    package struct Entry: Sendable, Equatable {
        package var line: Int
        package var text: String
    }

    package static func entries(_ text: String) -> [Entry] {
        var entries: [Entry] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.prefix { $0 != "#" }.trimmedOfWhitespace
            guard !text.isEmpty else { continue }
            entries.append(Entry(line: index + 1, text: String(text)))
        }
        return entries
    }
}
