/// A directive of an nginx configuration, with its block when it has one.
struct NginxNode {
    var directive: Directive
    var block: [NginxNode]?
}

/// Parses an nginx configuration into a tree, expanding `include` (globs, paths relative to the
/// configuration directory) where it appears, as nginx does.
struct NginxParser {
    private var reader: ConfigReader
    /// The directory of the main file: nginx's conf prefix, against which relative paths resolve.
    let prefix: String

    init(mainFile: String, limits: ReadLimits) {
        self.reader = ConfigReader(limits: limits)
        self.prefix = PathResolution.directory(of: mainFile)
    }

    var files: [String] { reader.files }

    /// Parses `path` and every file it includes.
    mutating func parse(
        file path: String, from: SourceLocation? = nil, blockDepth: Int = 0
    ) throws(LintError)
        -> [NginxNode]
    {
        let bytes = try reader.enter(path, from: from)
        defer { reader.leave() }
        var tokenizer = NginxTokenizer(bytes: bytes, file: path)
        let nodes = try parseBlock(&tokenizer, file: path, depth: blockDepth, opened: nil)
        return nodes
    }

    private mutating func parseBlock(
        _ tokenizer: inout NginxTokenizer, file: String, depth: Int, opened: SourceLocation?
    ) throws(LintError) -> [NginxNode] {
        guard depth + reader.depth < reader.limits.maximumDepth else {
            throw LintError(
                .tooDeep, at: SourceLocation(file: file, line: tokenizer.line),
                "blocks nested more than \(reader.limits.maximumDepth) deep")
        }
        var nodes: [NginxNode] = []
        var words: [String] = []
        var firstLine = 0
        while let (token, line) = try tokenizer.next() {
            switch token {
            case .word(let text, _):
                if words.isEmpty { firstLine = line }
                words.append(text)
            case .end:
                guard let name = words.first else {
                    throw LintError(.syntax, at: SourceLocation(file: file, line: line), "unexpected \";\"")
                }
                let directive = Directive(
                    name: name, arguments: Array(words.dropFirst()),
                    location: SourceLocation(file: file, line: firstLine))
                words.removeAll()
                if name == "include" {
                    nodes += try include(directive, depth: depth)
                } else {
                    nodes.append(NginxNode(directive: directive, block: nil))
                }
            case .blockStart:
                guard let name = words.first else {
                    throw LintError(.syntax, at: SourceLocation(file: file, line: line), "unexpected \"{\"")
                }
                let location = SourceLocation(file: file, line: firstLine)
                let directive = Directive(name: name, arguments: Array(words.dropFirst()), location: location)
                words.removeAll()
                let children = try parseBlock(&tokenizer, file: file, depth: depth + 1, opened: location)
                nodes.append(NginxNode(directive: directive, block: children))
            case .blockEnd:
                guard words.isEmpty else {
                    throw LintError(
                        .syntax, at: SourceLocation(file: file, line: line),
                        "unexpected \"}\" after \"\(words.joined(separator: " "))\" (missing \";\")")
                }
                guard opened != nil else {
                    throw LintError(.syntax, at: SourceLocation(file: file, line: line), "unexpected \"}\"")
                }
                return nodes
            }
        }
        if !words.isEmpty {
            throw LintError(
                .syntax, at: SourceLocation(file: file, line: tokenizer.line),
                "unexpected end of file, expecting \";\" or \"}\"")
        }
        if let opened {
            throw LintError(
                .syntax, at: opened, "block opened here is never closed (unexpected end of file, expecting \"}\")")
        }
        return nodes
    }

    private mutating func include(_ directive: Directive, depth: Int) throws(LintError) -> [NginxNode] {
        guard directive.arguments.count == 1 else {
            throw LintError(.syntax, at: directive.location, "\"include\" takes one argument")
        }
        let pattern = PathResolution.resolve(directive.value, against: prefix)
        let paths: [String]
        if PathResolution.isGlob(pattern) {
            // nginx includes matching files in sorted order; no match is not an error.
            paths = PathResolution.glob(pattern).filter { !BoundedFile.isDirectory($0) }
        } else {
            paths = [pattern]
        }
        var nodes: [NginxNode] = []
        for path in paths {
            nodes += try parse(file: path, from: directive.location, blockDepth: depth)
        }
        return nodes
    }
}
