import Yams

/// A YAML mapping of the configuration with its keys checked against the ones allowed, and typed
/// access to its values; every error names `file:line` of the offending node.
struct YAMLMap {
    /// The configuration file, for messages.
    let file: String
    /// What the mapping is, for messages: "the configuration", "site `www`", "`nginx` of site `www`".
    let what: String
    /// Where the mapping starts.
    let line: Int
    private let entries: [(key: String, keyNode: Node, value: Node)]

    /// The mapping `node`, whose keys must all be in `allowed`.
    ///
    /// - Throws: ``ConfigurationError``: not a mapping, a key that is not a string, an unknown key
    ///   (with the nearest known one when it looks like a misspelling).
    /// - Parameter line: where the mapping is said to start in messages (the line of its key, `nginx:`);
    ///   the line of its first key by default.
    init(_ node: Node, file: String, what: String, allowed: [String], line: Int? = nil) throws(ConfigurationError) {
        self.file = file
        self.what = what
        self.line = line ?? node.mark?.line ?? 0
        guard case .mapping(let mapping) = node else {
            throw ConfigurationError(
                .syntax, subject: Self.location(file, node),
                reason:
                    "\(what) must be a mapping of keys (\(allowed.joined(separator: ", "))), not \(Self.kind(of: node))"
            )
        }
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw ConfigurationError(
                    .syntax, subject: Self.location(file, keyNode),
                    reason: "a key of \(what) is \(Self.kind(of: keyNode)); keys are words such as `\(allowed[0])`")
            }
            let key = scalar.string
            guard allowed.contains(key) else {
                let suggestion = KeySuggestion.nearest(to: key, among: allowed)
                throw ConfigurationError(
                    .unknownKey, subject: Self.location(file, keyNode),
                    reason: "unknown key `\(key)`; "
                        + (suggestion.map { "did you mean `\($0)`?" }
                            ?? "known keys: \(allowed.joined(separator: ", "))") + " (in \(what))")
            }
            entries.append((key, keyNode, value))
        }
        self.entries = entries
    }

    /// `file:line` of the mapping itself.
    var location: String { "\(file):\(line)" }

    /// The value of `key`; nil when absent or written empty (`key:`, `key: ~`, `key: null`).
    func node(_ key: String) -> Node? {
        guard let value = entries.first(where: { $0.key == key })?.value else { return nil }
        if case .scalar = value, value.tag.rawValue == Tag.Name.null.rawValue { return nil }
        return value
    }

    /// Whether `key` is written (even empty).
    func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

    /// The line of `key`, for messages about its value; the mapping's line when absent.
    func line(of key: String) -> Int { entries.first { $0.key == key }?.keyNode.mark?.line ?? line }

    /// The text of `key`'s scalar value (any scalar: `reload: yes` is the string "yes"); nil when absent.
    func string(_ key: String, meaning: String) throws(ConfigurationError) -> String? {
        guard let value = node(key) else { return nil }
        guard case .scalar(let scalar) = value else {
            throw ConfigurationError(
                .invalidValue, subject: Self.location(file, value),
                reason: "`\(key)` of \(what) must be \(meaning), not \(Self.kind(of: value))")
        }
        guard !scalar.string.isEmpty else {
            throw ConfigurationError(
                .invalidValue, subject: Self.location(file, value),
                reason: "`\(key)` of \(what) is empty; it must be \(meaning)")
        }
        return scalar.string
    }

    /// Like ``string(_:meaning:)``, but the key must be there.
    func required(_ key: String, meaning: String) throws(ConfigurationError) -> String {
        guard let value = try string(key, meaning: meaning) else {
            throw ConfigurationError(
                .missingKey, subject: has(key) ? "\(file):\(line(of: key))" : location,
                reason: has(key)
                    ? "`\(key)` of \(what) has no value; it must be \(meaning)"
                    : "\(what) lacks `\(key)` (\(meaning))")
        }
        return value
    }

    /// A duration (`90`, `30s`, `15m`, `2h`, `1d`) in seconds; nil when absent.
    func duration(_ key: String) throws(ConfigurationError) -> Double? {
        let meaning = "a duration: seconds, or a number with s, m, h or d (`30s`, `15m`, `2h`, `1d`)"
        guard let text = try string(key, meaning: meaning) else { return nil }
        guard let seconds = DurationValue.seconds(text) else {
            throw ConfigurationError(
                .invalidValue, subject: "\(file):\(line(of: key))",
                reason: "`\(key)` of \(what) is `\(text)`; it must be a positive \(meaning)")
        }
        return seconds
    }

    /// `file:line` of a node.
    static func location(_ file: String, _ node: Node) -> String { "\(file):\(node.mark?.line ?? 0)" }

    /// What a node is, for "must be a mapping, not ..." messages.
    static func kind(of node: Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        case .scalar(let scalar): scalar.string.isEmpty ? "empty" : "the value `\(scalar.string)`"
        }
    }
}
