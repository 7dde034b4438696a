/// A section of an HAProxy configuration (`global`, `frontend www`, ...) and its keyword lines.
struct HAProxySection {
    var header: Directive
    var lines: [Directive]
}

/// Parses HAProxy's line syntax: `#` comments, `"..."` and `'...'` quoting, backslash escapes,
/// sections opened by their keyword at the start of a line.
enum HAProxyParser {
    static let sectionKeywords: Set<String> = [
        "global", "defaults", "frontend", "backend", "listen", "userlist", "peers", "resolvers", "mailers",
        "program", "http-errors", "ring", "cache", "crt-store", "traces",
    ]

    static func sections(_ bytes: [UInt8], file: String) throws(LintError) -> [HAProxySection] {
        var sections: [HAProxySection] = []
        for (text, line) in ApacheParser.logicalLines(bytes) {
            let location = SourceLocation(file: file, line: line)
            guard let words = try words(text, at: location), let keyword = words.first else { continue }
            let directive = Directive(name: keyword, arguments: Array(words.dropFirst()), location: location)
            if sectionKeywords.contains(keyword.lowercased()) {
                sections.append(HAProxySection(header: directive, lines: []))
            } else if sections.isEmpty {
                throw LintError(
                    .syntax, at: location,
                    "\"\(keyword)\" outside any section (expected global, defaults, frontend, listen, ...)")
            } else {
                sections[sections.count - 1].lines.append(directive)
            }
        }
        return sections
    }

    /// The words of one line, comments removed; nil for a blank line.
    static func words(_ text: String, at location: SourceLocation) throws(LintError) -> [String]? {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            if let open = quote {
                if character == open {
                    quote = nil
                } else if character == "\\" && open == "\"", let following = iterator.next() {
                    current.append(following)
                } else {
                    current.append(character)
                }
                continue
            }
            switch character {
            case "#":
                if inWord { words.append(current) }
                return words.isEmpty ? nil : words
            case " ", "\t":
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            case "\"", "'":
                quote = character
                inWord = true
            case "\\":
                if let following = iterator.next() { current.append(following) }
                inWord = true
            default:
                current.append(character)
                inWord = true
            }
        }
        if quote != nil { throw LintError(.syntax, at: location, "unterminated quoted string") }
        if inWord { words.append(current) }
        return words.isEmpty ? nil : words
    }

    /// One line of a crt-list: the certificate path, the `[options]` and the SNI filters.
    struct CrtListEntry {
        var path: String
        var options: [String]
        var location: SourceLocation
    }

    static func crtList(_ bytes: [UInt8], file: String) throws(LintError) -> [CrtListEntry] {
        var entries: [CrtListEntry] = []
        for (text, line) in ApacheParser.logicalLines(bytes) {
            let location = SourceLocation(file: file, line: line)
            guard let words = try words(text, at: location), let path = words.first else { continue }
            var options: [String] = []
            var rest = words.dropFirst()
            if let first = rest.first, first.hasPrefix("[") {
                var collected: [String] = []
                var closed = false
                while let word = rest.popFirst() {
                    collected.append(word)
                    if word.hasSuffix("]") {
                        closed = true
                        break
                    }
                }
                guard closed else {
                    throw LintError(.syntax, at: location, "crt-list options lack their closing \"]\"")
                }
                let joined = collected.joined(separator: " ").dropFirst().dropLast()
                options = joined.split(separator: " ").map(String.init)
            }
            entries.append(CrtListEntry(path: path, options: options, location: location))
        }
        return entries
    }
}
