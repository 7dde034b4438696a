import Foundation
import StapleTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking HTTP/1.1 client over one TCP connection to 127.0.0.1, byte-exact, for tests that
/// need keep-alive, slow or garbage clients. Reads wait at most `receiveTimeout` seconds (a bound,
/// not a synchronisation: a silent server makes the read fail instead of hanging the test).
final class RawHTTPConnection {
    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    struct Closed: Error {}

    private let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, receiveTimeout: Int = 10) throws {
        fd = try LoopbackClient.connect(port: port, receiveTimeout: receiveTimeout)
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Closed() }
            sent += n
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// A GET, POST or other request, keep-alive unless `close`.
    func request(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = [], close: Bool = false
    ) throws -> Response {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        if close { head += "Connection: close\r\n" }
        try send(Array((head + "\r\n").utf8) + body)
        return try readResponse(method: method)
    }

    func readResponse(method: String = "GET") throws -> Response {
        let headEnd = try readUntilHeadEnd()
        let headText = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Closed() }
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
        while buffer.count < length { try fill() }
        let body = Array(buffer.prefix(length))
        buffer.removeFirst(length)
        return Response(status: status, headers: headers, body: body)
    }

    /// Whether the server closed the connection (a read returns end of file) within the receive timeout.
    func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    private func readUntilHeadEnd() throws -> Int {
        while true {
            if buffer.count >= 4 {
                for index in 0...(buffer.count - 4)
                where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13
                    && buffer[index + 3] == 10
                {
                    return index
                }
            }
            try fill()
        }
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        let n = recv(fd, &chunk, chunk.count, 0)
        guard n > 0 else { throw Closed() }
        buffer.append(contentsOf: chunk[..<n])
    }
}

extension Array where Element == UInt8 {
    /// Base64, then percent-escaped as RFC 6960 A.1 asks (`+`, `/`, `=`).
    var ocspGetPath: String {
        "/"
            + Data(self).base64EncodedString().replacingOccurrences(of: "+", with: "%2B")
            .replacingOccurrences(of: "/", with: "%2F").replacingOccurrences(of: "=", with: "%3D")
    }
}
