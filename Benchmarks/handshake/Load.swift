import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import StapleTestSupport
import TLSStapling

/// Handshakes in closed loops: connect, handshake requesting status, check the staple, close.
enum HandshakeLoad {
    struct Result {
        var count: Int
        var stapled: Int
        var rate: Double
    }

    static func run(port: Int, version: TLSVersion, seconds: Double, concurrency: Int) async throws -> Result {
        let context = try OpenSSLClientContext(
            configuration: TLSClientConfiguration(
                serverName: "bench.test", minimumVersion: version, maximumVersion: version)
        )
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .seconds(seconds)
        let totals = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var count = 0
                    var stapled = 0
                    while clock.now < deadline {
                        if try await handshake(port: port, context: context) { stapled += 1 }
                        count += 1
                    }
                    return (count, stapled)
                }
            }
            var sum = (0, 0)
            for try await part in group { sum = (sum.0 + part.0, sum.1 + part.1) }
            return sum
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Result(count: totals.0, stapled: totals.1, rate: Double(totals.0) / seconds)
    }

    /// One full handshake; true when the server stapled.
    static func handshake(port: Int, context: OpenSSLClientContext) async throws -> Bool {
        let (channel, handshake) = try await TLSTestClient.open(port: port, context: context)
        try? await channel.close()
        return handshake.stapledResponse != nil
    }
}

/// 64 KiB responses over keep-alive TLS connections: bytes per second.
enum ProxyLoad {
    static func run(port: Int, seconds: Double, concurrency: Int) async throws -> Double {
        let context = try OpenSSLClientContext(configuration: TLSClientConfiguration(serverName: "bench.test"))
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .seconds(seconds)
        let bytes = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var fetcher = try await KeepAliveFetcher.connect(port: port, context: context)
                    var total = 0
                    while clock.now < deadline {
                        do {
                            total += try await fetcher.get("/big")
                        } catch {
                            // Servers end keep-alive connections after a number of requests
                            // (nginx: keepalive_requests 1000): open the next one.
                            await fetcher.close()
                            fetcher = try await KeepAliveFetcher.connect(port: port, context: context)
                        }
                    }
                    await fetcher.close()
                    return total
                }
            }
            var sum = 0
            for try await part in group { sum += part }
            return sum
        }
        let elapsed = clock.now - start
        return Double(bytes) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
}

/// One TLS connection sending HTTP/1.1 requests one after another and reading each whole response.
final class KeepAliveFetcher: Sendable {
    let channel: any Channel
    let reader: Reader

    private init(channel: any Channel, reader: Reader) {
        self.channel = channel
        self.reader = reader
    }

    static func connect(port: Int, context: OpenSSLClientContext) async throws -> KeepAliveFetcher {
        let reader = Reader()
        let (channel, _) = try await TLSTestClient.open(port: port, context: context, handlers: [reader])
        return KeepAliveFetcher(channel: channel, reader: reader)
    }

    /// Sends GET `path` and returns the body's size once all of it has arrived.
    func get(_ path: String) async throws -> Int {
        let promise = channel.eventLoop.makePromise(of: Int.self)
        reader.expect(promise)
        try await channel.writeAndFlush(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: bench.test\r\n\r\n"))
        return try await promise.futureResult.get()
    }

    func close() async { try? await channel.close() }

    /// Parses responses with a Content-Length (all the backend sends).
    final class Reader: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        private struct State {
            var buffer: [UInt8] = []
            var promise: EventLoopPromise<Int>?
        }
        private let state = NIOLockedValueBox(State())

        func expect(_ promise: EventLoopPromise<Int>) { state.withLockedValue { $0.promise = promise } }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let chunk = unwrapInboundIn(data)
            let finished: (EventLoopPromise<Int>, Int)? = state.withLockedValue { state in
                state.buffer += chunk.readableBytesView
                guard let headerEnd = Self.find([13, 10, 13, 10], in: state.buffer) else { return nil }
                let header = String(decoding: state.buffer[..<headerEnd], as: UTF8.self).lowercased()
                guard let line = header.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                    let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
                else { return nil }
                let total = headerEnd + 4 + length
                guard state.buffer.count >= total, let promise = state.promise else { return nil }
                state.buffer.removeFirst(total)
                state.promise = nil
                return (promise, length)
            }
            if let (promise, length) = finished { promise.succeed(length) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            take()?.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            take()?.fail(ChannelError.ioOnClosedChannel)
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .some(.inputClosed) = event as? ChannelEvent {
                take()?.fail(ChannelError.inputClosed)
                context.close(promise: nil)
            }
        }

        private func take() -> EventLoopPromise<Int>? {
            state.withLockedValue { state in
                defer { state.promise = nil }
                return state.promise
            }
        }

        private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
            guard haystack.count >= needle.count else { return nil }
            for index in 0...(haystack.count - needle.count)
            where haystack[index..<index + needle.count].elementsEqual(needle) {
                return index
            }
            return nil
        }
    }
}
