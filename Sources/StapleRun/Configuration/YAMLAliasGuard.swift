import Foundation

/// Finds YAML aliases (`*name`) before the text reaches Yams.
///
/// Yams hashes every mapping key to find duplicates, and an alias key that expands to nested aliases
/// ("billion laughs") takes minutes (measured: 106 s for 8 levels of 10, a 400-byte file). The
/// configuration needs no aliases, so they are refused, which bounds the work by the text's size.
enum YAMLAliasGuard {
    /// The 1-based line of the first alias outside quotes, comments and block scalars; nil when none.
    static func firstAlias(in yaml: String) -> Int? {
        var blockIndent: Int?
        for (index, line) in yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let characters = Array(line)
            let indent = characters.prefix { $0 == " " }.count
            if let block = blockIndent {
                if characters.allSatisfy({ $0 == " " || $0 == "\r" }) || indent > block { continue }
                blockIndent = nil
            }
            var quote: Character?
            var previous: Character = " "
            var position = 0
            var content = ""
            while position < characters.count {
                let character = characters[position]
                if let open = quote {
                    if character == open { quote = nil }
                    if character == "\\" && open == "\"" { position += 1 }
                } else if character == "\"" || character == "'" {
                    if previous == " " || "[{,:-?".contains(previous) { quote = character }
                } else if character == "#" && (previous == " " || previous == "\t") {
                    break
                } else if character == "*" && (previous == " " || previous == "\t" || "[{,".contains(previous)),
                    position + 1 < characters.count, !" \t,]}".contains(characters[position + 1])
                {
                    return index + 1
                }
                if !(character == " " && content.isEmpty) { content.append(character) }
                previous = character
                position += 1
            }
            // `key: |` or `key: >-` opens a block scalar: its more-indented lines are text.
            let trimmed = content.trimmingCharacters(in: .whitespaces)
            if let last = trimmed.split(separator: " ").last, let first = last.first, first == "|" || first == ">",
                last.dropFirst().allSatisfy({ "+-0123456789".contains($0) })
            {
                blockIndent = indent
            }
        }
        return nil
    }
}
