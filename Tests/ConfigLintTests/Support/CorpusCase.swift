import ConfigLint
import Foundation

/// One corpus case: a configuration tree, the findings it must produce, and what the real server's
/// checker says about it.
struct CorpusCase: CustomStringConvertible, Sendable {
    enum ToolVerdict: String, Sendable { case accept, reject, none }

    var server: ServerKind
    var name: String
    var description: String { "\(server.rawValue)/\(name)" }

    static let mainFiles: [ServerKind: String] = [
        .nginx: "nginx.conf", .apache: "apache2.conf", .haproxy: "haproxy.cfg",
    ]

    /// Every case in the corpus, found at test-discovery time.
    static var all: [CorpusCase] {
        guard let corpus = Bundle.module.resourceURL?.appendingPathComponent("Corpus").path else { return [] }
        return ServerKind.allCases.flatMap { server in
            let names = (try? FileManager.default.contentsOfDirectory(atPath: corpus + "/" + server.rawValue)) ?? []
            return names.sorted().map { CorpusCase(server: server, name: $0) }
        }
    }

    static func cases(_ server: ServerKind) -> [CorpusCase] { all.filter { $0.server == server } }

    /// A copy of the case in the fixture's temporary directory, placeholders filled.
    struct Prepared {
        var directory: String
        var mainFile: String
        var run: String
        var tool: ToolVerdict
        /// Text the server's checker must print (`says:` lines of expect.txt): what it reports about the case.
        var says: [String]
        /// `rule file:line`, sorted, from the `# expect-next:` comments.
        var expected: [String]
    }

    func prepare(_ fixture: Fixture) throws -> Prepared {
        let source = "\(fixture.corpus)/\(server.rawValue)/\(name)"
        // A fresh copy per call: tests run in parallel and may prepare the same case.
        let directory = "\(fixture.root)/cases/\(server.rawValue)/\(name)-\(UUID().uuidString.prefix(8))"
        let run = directory + "/run"
        let manager = FileManager.default
        try manager.createDirectory(atPath: run + "/tmp", withIntermediateDirectories: true)
        var expected: [String] = []
        var tool = ToolVerdict.none
        var says: [String] = []
        let relativePaths = (manager.enumerator(atPath: source)?.allObjects as? [String] ?? []).sorted()
        for relative in relativePaths {
            let from = source + "/" + relative
            let to = directory + "/" + relative
            var isDirectory: ObjCBool = false
            _ = manager.fileExists(atPath: from, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                try manager.createDirectory(atPath: to, withIntermediateDirectories: true)
                continue
            }
            let text = try String(contentsOfFile: from, encoding: .utf8)
                .replacingOccurrences(of: "@PKI@", with: fixture.pki)
                .replacingOccurrences(of: "@RUN@", with: run)
                .replacingOccurrences(of: "@DIR@", with: directory)
            switch relative {
            case "expect.txt":
                for line in text.split(separator: "\n") where line.hasPrefix("tool:") {
                    tool = ToolVerdict(rawValue: line.dropFirst(5).trimmingCharacters(in: .whitespaces)) ?? .none
                }
                says += text.split(separator: "\n").filter { $0.hasPrefix("says:") }.map {
                    $0.dropFirst(5).trimmingCharacters(in: .whitespaces)
                }
            case "files.txt":
                for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                    let parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                    guard parts.count == 2 else { continue }
                    let destination = directory + "/" + parts[0]
                    try manager.createDirectory(
                        atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    try manager.copyItem(atPath: fixture.pki + "/" + parts[1], toPath: destination)
                }
            default:
                try text.write(toFile: to, atomically: true, encoding: .utf8)
                expected += Self.expectations(in: text, file: to)
            }
        }
        return Prepared(
            directory: directory, mainFile: directory + "/" + Self.mainFiles[server]!, run: run, tool: tool, says: says,
            expected: expected.sorted()
        )
    }

    /// `rule file:line` for each id of each `# expect-next:` comment, at the next line that is
    /// neither blank nor a comment.
    static func expectations(in text: String, file: String) -> [String] {
        var result: [String] = []
        var pending: [String] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let range = trimmed.range(of: "# expect-next:") {
                pending += trimmed[range.upperBound...].split(separator: " ").map(String.init)
                continue
            }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            result += pending.map { "\($0) \(file):\(index + 1)" }
            pending.removeAll()
        }
        return result
    }
}
