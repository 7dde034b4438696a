import Foundation

/// The OCSPRequest carried by a GET request-target (RFC 6960 Appendix A.1):
/// `{url}/{url-encoding of base-64 encoding of the DER encoding of the OCSPRequest}`.
///
/// Accepted: percent-escaped and raw `+`, `/` and `=` (a raw `+` is a plus, never a space), missing
/// `=` padding, and any number of leading slashes (a client joining `http://host/` and `/MEUw...`
/// sends `//MEUw...`). Base64 of DER always starts with `M` (0x30), so no slash belongs to it there.
package enum GetRequestPath {
    /// The DER bytes, or nil when the path is not URL-encoded base64 or decodes to more than `maximumSize`.
    package static func decode(_ uri: String, maximumSize: Int) -> [UInt8]? {
        var bytes = Array(uri.utf8)
        if let query = bytes.firstIndex(of: UInt8(ascii: "?")) { bytes.removeSubrange(query...) }
        let start = bytes.firstIndex { $0 != UInt8(ascii: "/") } ?? bytes.endIndex
        // Base64 is 4/3 of the DER, escapes triple it at most: bound the work before decoding.
        guard start < bytes.endIndex, bytes.count - start <= maximumSize * 4 + 16 else { return nil }
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count - start)
        var index = start
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex, let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2])
                else { return nil }
                text.append(high << 4 | low)
                index += 3
            } else {
                text.append(byte)
                index += 1
            }
        }
        while text.last == UInt8(ascii: "=") { text.removeLast() }
        guard text.count % 4 != 1 else { return nil }
        text.append(contentsOf: repeatElement(UInt8(ascii: "="), count: (4 - text.count % 4) % 4))
        guard let data = Data(base64Encoded: Data(text)), data.count <= maximumSize else { return nil }
        return Array(data)
    }

    private static func hex(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
