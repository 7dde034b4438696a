/// The known key nearest to a misspelled one, for "did you mean" messages.
enum KeySuggestion {
    /// The known key closest to `key` by edit distance, when it is close enough to be a misspelling:
    /// at most 2 edits, and fewer than half of the longer word's letters.
    static func nearest(to key: String, among known: [String]) -> String? {
        let scored = known.map { (candidate: $0, distance: editDistance(key.lowercased(), $0)) }
        guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
        let longer = max(key.count, best.candidate.count)
        return best.distance <= 2 && best.distance * 2 < longer ? best.candidate : nil
    }

    /// The Levenshtein distance (insertions, deletions, substitutions) between two words.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
