/// A directive or section of an Apache configuration; sections (`<VirtualHost ...>`) have children.
struct ApacheNode {
    var directive: Directive
    var section: [ApacheNode]?
}

/// Parses Apache httpd 2.4 configuration syntax: one directive per line, `\` continuations,
/// `#` comments, `"quoted"` arguments, `<Section args>` ... `</Section>`, and
/// `Include`/`IncludeOptional` (globs, directories, paths relative to the server root).
struct ApacheParser {
    private var reader: ConfigReader
    /// The server root: `ServerRoot` when set, else the directory of the main file.
    private(set) var serverRoot: String

    init(mainFile: String, limits: ReadLimits) {
        self.reader = ConfigReader(limits: limits)
        self.serverRoot = PathResolution.directory(of: mainFile)
    }

    var files: [String] { reader.files }

    mutating func parse(
        file path: String, from: SourceLocation? = nil, depth: Int = 0
    ) throws(LintError)
        -> [ApacheNode]
    {
        let bytes = try reader.enter(path, from: from)
        defer { reader.leave() }
        let lines = Self.logicalLines(bytes)
        var index = 0
        let nodes = try parseSection(lines, &index, file: path, depth: depth, open: nil)
        return nodes
    }

    /// Lines joined across trailing backslashes, with the number of their first physical line.
    static func logicalLines(_ bytes: [UInt8]) -> [(text: String, line: Int)] {
        var result: [(String, Int)] = []
        var current: [UInt8] = []
        var startLine = 1
        var line = 1
        var lineStart = 0
        func flush(_ end: Int) {
            var slice = Array(bytes[lineStart..<end])
            if slice.last == 0x0D { slice.removeLast() }
            if slice.last == UInt8(ascii: "\\") {
                slice.removeLast()
                current += slice
            } else {
                current += slice
                result.append((String(decoding: current, as: UTF8.self), startLine))
                current.removeAll()
                startLine = line + 1
            }
        }
        for (offset, byte) in bytes.enumerated() where byte == 0x0A {
            flush(offset)
            lineStart = offset + 1
            line += 1
        }
        if lineStart < bytes.count || !current.isEmpty { flush(bytes.count) }
        return result
    }

    /// Splits an argument list: whitespace separates, `"..."` and `'...'` quote, `\"` escapes.
    static func words(_ text: Substring) -> [String]? {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            if let open = quote {
                if character == "\\", let following = iterator.next() {
                    if following != open && following != "\\" { current.append("\\") }
                    current.append(following)
                } else if character == open {
                    quote = nil
                } else {
                    current.append(character)
                }
            } else if character == " " || character == "\t" {
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            } else if (character == "\"" || character == "'") && !inWord {
                quote = character
                inWord = true
            } else {
                current.append(character)
                inWord = true
            }
        }
        if quote != nil { return nil }
        if inWord { words.append(current) }
        return words
    }

    private mutating func parseSection(
        _ lines: [(text: String, line: Int)], _ index: inout Int, file: String, depth: Int, open: Directive?
    ) throws(LintError) -> [ApacheNode] {
        guard depth + reader.depth < reader.limits.maximumDepth else {
            throw LintError(
                .tooDeep, at: open?.location ?? SourceLocation(file: file, line: 1),
                "sections nested more than \(reader.limits.maximumDepth) deep")
        }
        var nodes: [ApacheNode] = []
        while index < lines.count {
            let (raw, lineNumber) = lines[index]
            index += 1
            let text = raw.drop { $0 == " " || $0 == "\t" }
            if text.isEmpty || text.hasPrefix("#") { continue }
            let location = SourceLocation(file: file, line: lineNumber)
            if text.hasPrefix("</") {
                let name = text.dropFirst(2).prefix { $0 != ">" && $0 != " " }
                guard let open, open.name.lowercased() == name.lowercased() else {
                    throw LintError(.syntax, at: location, "\(text.trimmingSpaces) closes a section that is not open")
                }
                return nodes
            }
            if text.hasPrefix("<") {
                guard let close = text.lastIndex(of: ">") else {
                    throw LintError(.syntax, at: location, "section \(text.trimmingSpaces) lacks its closing \">\"")
                }
                let inner = text[text.index(after: text.startIndex)..<close]
                guard let words = Self.words(inner), let name = words.first else {
                    throw LintError(.syntax, at: location, "cannot read section \(text.trimmingSpaces)")
                }
                let directive = Directive(name: name, arguments: Array(words.dropFirst()), location: location)
                let children = try parseSection(lines, &index, file: file, depth: depth + 1, open: directive)
                nodes.append(ApacheNode(directive: directive, section: children))
                continue
            }
            guard let words = Self.words(text), let name = words.first else {
                throw LintError(.syntax, at: location, "unterminated quoted string")
            }
            let directive = Directive(name: name, arguments: Array(words.dropFirst()), location: location)
            switch name.lowercased() {
            case "include", "includeoptional":
                nodes += try include(directive, optional: name.lowercased() == "includeoptional", depth: depth)
            case "serverroot":
                serverRoot = directive.value
                nodes.append(ApacheNode(directive: directive, section: nil))
            default:
                nodes.append(ApacheNode(directive: directive, section: nil))
            }
        }
        if let open {
            throw LintError(.syntax, at: open.location, "<\(open.name)> is never closed")
        }
        return nodes
    }

    private mutating func include(_ directive: Directive, optional: Bool, depth: Int) throws(LintError) -> [ApacheNode]
    {
        guard !directive.arguments.isEmpty else {
            throw LintError(.syntax, at: directive.location, "\(directive.name) needs a path")
        }
        let pattern = PathResolution.resolve(directive.value, against: serverRoot)
        var paths: [String]
        if PathResolution.isGlob(pattern) {
            paths = PathResolution.glob(pattern)
            if paths.isEmpty && !optional {
                // Apache 2.4 refuses a wildcard Include that matches nothing; IncludeOptional allows it.
                throw LintError(
                    .unreadable, at: directive.location,
                    "Include \(directive.value) matches no file (use IncludeOptional)")
            }
        } else if BoundedFile.isDirectory(pattern) {
            paths = BoundedFile.directoryEntries(pattern)
        } else {
            if optional && !BoundedFile.exists(pattern) { return [] }
            paths = [pattern]
        }
        paths = paths.flatMap { BoundedFile.isDirectory($0) ? BoundedFile.directoryEntries($0) : [$0] }
        var nodes: [ApacheNode] = []
        for path in paths {
            nodes += try parse(file: path, from: directive.location, depth: depth)
        }
        return nodes
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(self.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
