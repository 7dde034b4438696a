extension StringProtocol {
    /// The text without the whitespace (newlines included) around it, in place: no copy, and none of
    /// Foundation's bridging, which made reading 10,000 PEM chains at start-up take seconds.
    package var trimmedOfWhitespace: SubSequence {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace })
        else { return self[endIndex...] }
        return self[first...last]
    }
}
