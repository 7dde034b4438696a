import NIOCore
import NIOHTTP1
import Testing

@testable import OCSPResponder

/// The responder's own HTTP/1.x serialization, byte for byte (no socket).
@Suite("ResponseBytes: whole HTTP responses in one buffer")
struct ResponseBytesTests {
    private let body = ByteBuffer(bytes: [0x30, 0x03, 0x0A, 0x01, 0x00])

    private func text(
        _ answer: ResponderAnswer, version: HTTPVersion = .http1_1, keepAlive: Bool = true, includeBody: Bool = true
    ) -> String {
        var bytes = ResponseBytes.make(
            answer, version: version, keepAlive: keepAlive, includeBody: includeBody, allocator: ByteBufferAllocator())
        return bytes.readString(length: bytes.readableBytes) ?? "(not UTF-8)"
    }

    @Test func aSuccessfulAnswerOverKeepAlive() {
        var bytes = ResponseBytes.make(
            ResponderAnswer(status: 200, headers: [("Content-Type", "application/ocsp-response")], body: body,
                outcome: .cached),
            version: .http1_1, keepAlive: true, includeBody: true, allocator: ByteBufferAllocator())
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: 5\r\n\r\n"
        #expect(bytes.readString(length: head.utf8.count) == head)
        #expect(bytes.readBytes(length: bytes.readableBytes) == [0x30, 0x03, 0x0A, 0x01, 0x00])
    }

    @Test func closeAndHTTP10AreSaid() {
        let answer = ResponderAnswer(status: 200, headers: [], body: body, outcome: .cached)
        #expect(
            text(answer, version: .http1_0, keepAlive: false, includeBody: false)
                == "HTTP/1.0 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n")
    }

    @Test func notModifiedHasNoContentLengthAndErrorsHaveAZeroOne() {
        #expect(
            text(ResponderAnswer(status: 304, headers: [("ETag", "\"a\"")], outcome: .notModified))
                == "HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\n\r\n")
        #expect(
            text(ResponderAnswer(status: 405, headers: [("Allow", "GET, POST")], outcome: .methodNotAllowed))
                == "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, POST\r\nContent-Length: 0\r\n\r\n")
    }
}
