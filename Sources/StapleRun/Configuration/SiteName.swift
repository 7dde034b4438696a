/// Site names: unique words that name `<name>.der` files, metrics labels and `/status` entries.
package enum SiteName {
    /// Whether `name` is a usable site name: letters, digits, `.`, `_`, `-`; not starting with `.`.
    package static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 200 && !name.hasPrefix(".") && name.allSatisfy(isAllowed)
    }

    /// A valid name made from `text` (a server_name, a file name): other characters become `_`,
    /// leading dots and underscores and trailing underscores are dropped; nil when nothing is left.
    package static func sanitized(_ text: String) -> String? {
        let mapped = String(text.map { isAllowed($0) ? $0 : "_" }.prefix(200))
        var trimmed = Substring(mapped.drop { $0 == "." || $0 == "_" })
        while trimmed.last == "_" { trimmed = trimmed.dropLast() }
        return trimmed.isEmpty ? nil : String(trimmed)
    }

    /// `base`, or `base-2`, `base-3`, ... : the first not in `taken`.
    package static func unique(_ base: String, among taken: Set<String>) -> String {
        guard taken.contains(base) else { return base }
        var suffix = 2
        while taken.contains("\(base)-\(suffix)") { suffix += 1 }
        return "\(base)-\(suffix)"
    }

    private static func isAllowed(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "._-".contains(character))
    }
}
