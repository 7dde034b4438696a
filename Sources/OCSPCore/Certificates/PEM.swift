import Foundation

/// A lenient PEM reader (RFC 7468 §2 with the "lax" parsing of §3): any line length, CRLF,
/// whitespace and explanatory text between blocks are accepted, as OpenSSL accepts them.
public enum PEM {
    public struct Block: Sendable, Equatable {
        public var label: String
        public var der: [UInt8]
    }

    /// Every `-----BEGIN X-----` … `-----END X-----` block in `text`, in order.
    ///
    /// - Throws: ``OCSPCoreError`` for a block without its END line or with bad base64.
    public static func blocks(in text: String) throws -> [Block] {
        var blocks: [Block] = []
        var label: String?
        var body = ""
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            let line = String(rawLine.trimmedOfWhitespace)
            if let current = label {
                if line.hasPrefix("-----END ") {
                    guard line == "-----END \(current)-----" else {
                        throw OCSPCoreError(.unreadableInput, reason: "PEM block \(current) ends with \(line)")
                    }
                    guard let der = Data(base64Encoded: body), !der.isEmpty else {
                        throw OCSPCoreError(.unreadableInput, reason: "PEM block \(current) holds invalid base64")
                    }
                    blocks.append(Block(label: current, der: Array(der)))
                    label = nil
                    body = ""
                } else if line.firstIndex(of: ":") == nil {  // RFC 1421 headers such as Proc-Type are skipped
                    body += line
                }
            } else if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----"), line.count > 16 {
                label = String(line.dropFirst(11).dropLast(5))
            }
        }
        if let label { throw OCSPCoreError(.unreadableInput, reason: "PEM block \(label) has no END line") }
        return blocks
    }
}
