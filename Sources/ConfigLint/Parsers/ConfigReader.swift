import Foundation

/// Bounds on what one lint may read, so hostile configurations end with an error rather than a hang.
package struct ReadLimits: Sendable {
    /// 8 MiB: the largest real configuration files are a few hundred KiB.
    package var maximumFileSize = 8 << 20
    /// 256 MiB across all configuration files of one lint.
    package var maximumTotalSize = 256 << 20
    /// 20,000 configuration files: generated trees with one file per site stay far below.
    package var maximumFiles = 20_000
    /// 64 nested blocks and includes: real configurations nest fewer than 10.
    package var maximumDepth = 64

    package init() {}
}

/// Reads configuration files for a parser: bounded size, text only, include cycles refused.
struct ConfigReader {
    let limits: ReadLimits
    private(set) var files: [String] = []
    private var totalSize = 0
    /// Canonical paths of the files being parsed, outermost first, to refuse include cycles.
    private var stack: [String] = []

    init(limits: ReadLimits) {
        self.limits = limits
    }

    var depth: Int { stack.count }

    /// Reads `path` as text and pushes it on the include stack; call ``leave()`` when done.
    ///
    /// - Throws: ``LintError`` naming `path`, or `from` (the include directive) when the file is missing.
    mutating func enter(_ path: String, from: SourceLocation?) throws(LintError) -> [UInt8] {
        let canonical = PathResolution.canonical(path)
        let here = from ?? SourceLocation(file: path, line: 0)
        if stack.contains(canonical) {
            throw LintError(
                .includeCycle, at: here, "include cycle: \(path) includes itself through \(stack.last ?? path)")
        }
        guard stack.count < limits.maximumDepth else {
            throw LintError(.tooDeep, at: here, "more than \(limits.maximumDepth) nested includes")
        }
        guard files.count < limits.maximumFiles else {
            throw LintError(.tooManyFiles, at: here, "more than \(limits.maximumFiles) configuration files")
        }
        let bytes: [UInt8]
        switch BoundedFile.read(path, limit: limits.maximumFileSize) {
        case .success(let read): bytes = read
        case .failure(let problem):
            throw LintError(
                problem == .missing
                    ? .unreadable : (problem == .unreadable || problem == .notRegularFile ? .unreadable : .tooLarge),
                at: here, from == nil ? "\(path) \(problem)" : "included file \(path) \(problem)"
            )
        }
        totalSize += bytes.count
        guard totalSize <= limits.maximumTotalSize else {
            throw LintError(.tooLarge, at: here, "configuration files total over \(limits.maximumTotalSize) bytes")
        }
        try Self.requireText(bytes, file: path)
        files.append(path)
        stack.append(canonical)
        return bytes
    }

    mutating func leave() {
        _ = stack.popLast()
    }

    /// Refuses NUL bytes and invalid UTF-8, naming the line of the first bad byte.
    static func requireText(_ bytes: [UInt8], file: String) throws(LintError) {
        if let nul = bytes.firstIndex(of: 0) {
            throw LintError(
                .binary, at: SourceLocation(file: file, line: line(of: nul, in: bytes)),
                "binary data (NUL byte), not a configuration file")
        }
        if String(bytes: bytes, encoding: .utf8) == nil {
            var index = 0
            // Find the first line that is not valid UTF-8, for the message.
            var lineStart = 0
            while index <= bytes.count {
                if index == bytes.count || bytes[index] == 0x0A {
                    if String(bytes: bytes[lineStart..<index], encoding: .utf8) == nil { break }
                    lineStart = index + 1
                }
                index += 1
            }
            throw LintError(
                .binary, at: SourceLocation(file: file, line: line(of: lineStart, in: bytes)),
                "invalid UTF-8, not a configuration file")
        }
    }

    static func line(of offset: Int, in bytes: [UInt8]) -> Int {
        var line = 1
        for byte in bytes[..<min(offset, bytes.count)] where byte == 0x0A { line += 1 }
        return line
    }
}
