import AsyncHTTPClient
import NIOCore

/// Reads a status endpoint (`staple status`): one GET, a bounded body.
package enum StatusClient {
    /// 8 MiB: a thousand sites' `/status` is about 1 MiB.
    package static let maximumBodySize = 8 << 20

    /// What a GET of `url` gave: the HTTP status and the body.
    package struct Reply: Sendable {
        package var status: Int
        package var body: [UInt8]
    }

    /// GETs `url` within `timeout` seconds.
    ///
    /// - Throws: the transport error (refused, timed out, not a URL) for the caller to report.
    package static func get(_ url: String, timeout: Double = 5) async throws -> Reply {
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        do {
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            let body = try await response.body.collect(upTo: maximumBodySize)
            try await client.shutdown()
            return Reply(status: Int(response.status.code), body: Array(buffer: body))
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
