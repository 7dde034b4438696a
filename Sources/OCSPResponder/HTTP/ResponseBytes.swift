import NIOCore
import NIOHTTP1

/// An answer as the bytes of one HTTP/1.x response: status line, headers and body in one buffer,
/// handed to the socket in one write (and, for `Connection: close`, one flush before the close).
///
/// The responder writes its own responses rather than going through NIO's `HTTPResponseEncoder`:
/// every header is the responder's own (no validation or transport-header rewriting to do), and a
/// handler fewer plus one buffer instead of head, body and end parts is less work per request.
enum ResponseBytes {
    /// - Parameters:
    ///   - version: the request's HTTP version, echoed in the status line.
    ///   - keepAlive: false adds `Connection: close`.
    ///   - includeBody: false for HEAD: the headers (Content-Length included) without the body.
    static func make(
        _ answer: ResponderAnswer, version: HTTPVersion, keepAlive: Bool, includeBody: Bool,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        let body = includeBody ? answer.body.readableBytes : 0
        var buffer = allocator.buffer(capacity: 256 + body)
        buffer.writeStaticString(version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        writeStatus(answer.status, into: &buffer)
        for (name, value) in answer.headers { writeHeader(name, value, into: &buffer) }
        if answer.status != 304 {
            buffer.writeStaticString("Content-Length: ")
            buffer.writeString(String(answer.body.readableBytes))
            buffer.writeStaticString("\r\n")
        }
        if !keepAlive { buffer.writeStaticString("Connection: close\r\n") }
        buffer.writeStaticString("\r\n")
        if includeBody { buffer.writeImmutableBuffer(answer.body) }
        return buffer
    }

    private static func writeStatus(_ status: Int, into buffer: inout ByteBuffer) {
        switch status {
        case 200: buffer.writeStaticString("200 OK\r\n")
        case 304: buffer.writeStaticString("304 Not Modified\r\n")
        default:
            buffer.writeString("\(status) \(HTTPResponseStatus(statusCode: status).reasonPhrase)\r\n")
        }
    }

    private static func writeHeader(_ name: String, _ value: String, into buffer: inout ByteBuffer) {
        buffer.writeString(name)
        buffer.writeStaticString(": ")
        buffer.writeString(value)
        buffer.writeStaticString("\r\n")
    }
}
