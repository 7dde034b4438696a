/// Lines as libyaml counts them, so that the `file:line` of a configuration error is the line
/// libyaml's mark names and exists in the file.
///
/// A line break is LF, CR, CR LF (one break), NEL (U+0085), LS (U+2028) or PS (U+2029): YAML 1.1
/// §4.1.4 and libyaml's `SKIP_LINE`. An editor may show a lone CR inside a line; libyaml does not.
package enum YAMLLines {
    /// How many lines `bytes` (UTF-8) holds: one more than its line breaks.
    package static func count(_ bytes: some Sequence<UInt8>) -> Int {
        var lines = 1
        var previous: (UInt8, UInt8) = (0, 0)
        for byte in bytes {
            switch (previous.0, previous.1, byte) {
            case (_, 0x0D, 0x0A): break  // the LF of a CR LF: counted at its CR
            case (_, _, 0x0A), (_, _, 0x0D): lines += 1
            case (_, 0xC2, 0x85): lines += 1  // NEL
            case (0xE2, 0x80, 0xA8), (0xE2, 0x80, 0xA9): lines += 1  // LS, PS
            default: break
            }
            previous = (previous.1, byte)
        }
        return lines
    }
}
