import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import StapleTestSupport

/// A private nginx: 2 workers, stapling the fixture's file, `return 200` and a `proxy_pass` location.
func startNginx(fixture: BenchFixture, backendPort: Int) async throws -> NginxProcess {
    let port = try SystemTools.freePort()
    let server = NginxProcess.stapledServer(
        port: port, chainPath: fixture.chainPath, keyPath: fixture.keyPath, staplePath: fixture.staplePath,
        body: """
            location / { return 200 "ok"; }
                    location /big { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
            """)
    return try await NginxProcess(
        root: "\(fixture.directory)/nginx", port: port, workers: 2,
        http: "    upstream backend { server 127.0.0.1:\(backendPort); keepalive 16; }\n" + server)
}

/// nginx's master process id, from its pid file (its workers are its children).
func masterPID(_ nginx: NginxProcess) throws -> Int32 {
    let text = try String(contentsOfFile: "\(nginx.root)/nginx.pid", encoding: .utf8)
    guard let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw ToolError(description: "no pid in \(nginx.root)/nginx.pid")
    }
    return pid
}

/// `staple serve` from the given executable, with the staple already in its state directory.
func startServe(executable: String, fixture: BenchFixture, backendPort: Int) async throws -> ListeningProcess {
    let port = try SystemTools.freePort()
    return try await ListeningProcess(
        executable,
        [
            "serve", "--listen", "127.0.0.1:\(port)", "--cert", fixture.chainPath, "--key", fixture.keyPath,
            "--backend", "127.0.0.1:\(backendPort)", "--state-dir", fixture.stateDirectory, "--startup-wait", "0",
            "--log-level", "critical",
        ], port: port, logPath: "\(fixture.directory)/serve.log")
}

/// The proxied backend: HTTP/1.1 keep-alive, 64 KiB for `/big`, `ok` otherwise.
final class BenchBackend: Sendable {
    let port: Int
    let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
        port = channel.localAddress!.port!
    }

    static func start() async throws -> BenchBackend {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Responder())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return BenchBackend(channel: channel)
    }

    func stop() async { try? await channel.close() }

    final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        static let big = ByteBuffer(repeating: 0x61, count: 64 * 1_024)
        static let small = ByteBuffer(string: "ok")
        var uri = ""

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): uri = head.uri
            case .body: break
            case .end:
                let body = uri.hasPrefix("/big") ? Self.big : Self.small
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: "\(body.readableBytes)")
                context.write(
                    wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                    promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
