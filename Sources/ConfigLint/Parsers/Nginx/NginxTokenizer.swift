/// The tokens of nginx's configuration syntax (`ngx_conf_read_token`).
enum NginxToken: Equatable {
    /// A word or a quoted string, escapes resolved.
    case word(String, quoted: Bool)
    case blockStart
    case blockEnd
    case end
}

/// Splits an nginx configuration into tokens with their line numbers.
///
/// Words end at whitespace, `;`, `{` and `}`; `#` starts a comment at the start of a token;
/// `"..."` and `'...'` quote, and a backslash escapes the next character (`\"`, `\\`, `\n`, `\t`, `\r`
/// as nginx reads them in quoted strings).
struct NginxTokenizer {
    private let bytes: [UInt8]
    private let file: String
    private var index = 0
    private(set) var line = 1

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    /// The next token and its line, or nil at the end of the file.
    mutating func next() throws(LintError) -> (token: NginxToken, line: Int)? {
        skipSpaceAndComments()
        guard index < bytes.count else { return nil }
        let start = line
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            return (.blockStart, start)
        case UInt8(ascii: "}"):
            index += 1
            return (.blockEnd, start)
        case UInt8(ascii: ";"):
            index += 1
            return (.end, start)
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            return (.word(try quoted(), quoted: true), start)
        default:
            return (.word(word(), quoted: false), start)
        }
    }

    private mutating func skipSpaceAndComments() {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A {
                line += 1
                index += 1
            } else if byte == 0x20 || byte == 0x09 || byte == 0x0D {
                index += 1
            } else if byte == UInt8(ascii: "#") {
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
            } else {
                return
            }
        }
    }

    private mutating func word() -> String {
        var out: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x20, 0x09, 0x0D, 0x0A, UInt8(ascii: ";"), UInt8(ascii: "{"), UInt8(ascii: "}"):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\") where index + 1 < bytes.count:
                out.append(byte)
                out.append(bytes[index + 1])
                if bytes[index + 1] == 0x0A { line += 1 }
                index += 2
            default:
                out.append(byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func quoted() throws(LintError) -> String {
        let quote = bytes[index]
        let startLine = line
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            if byte == quote {
                index += 1
                return String(decoding: out, as: UTF8.self)
            }
            if byte == 0x0A { line += 1 }
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                let escaped = bytes[index + 1]
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\\"): out.append(escaped)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "n"): out.append(0x0A)
                default:
                    out.append(byte)
                    out.append(escaped)
                }
                if escaped == 0x0A { line += 1 }
                index += 2
                continue
            }
            out.append(byte)
            index += 1
        }
        throw LintError(.syntax, at: SourceLocation(file: file, line: startLine), "unterminated quoted string")
    }
}
