import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import OCSPCore
import StapleTestSupport
import TLSStapling
import Testing

/// Whether the front's tests run: they need `openssl` (s_client, ocsp) and `python3` (its `ssl` module
/// is the peer that checks the close_notify answer).
let frontTestsEnabled = SystemTools.shouldRun(needing: "openssl", "python3")
let frontToolsMissingReason =
    "needs openssl and python3 (apt-get install openssl python3); under CI=true it fails instead"

/// `staple serve`'s handshake front (Sources/StaplingProxy/Front): handshakes made on the socket,
/// connections handed to a channel when they send data, answered and closed when they only say
/// close_notify, closed at the handshake timeout when they stall, through real peers.
@Suite(
    "staple serve's handshake front", .enabled(if: frontTestsEnabled, Comment(rawValue: frontToolsMissingReason)),
    .serialized)
struct HandshakeFrontTests {
    typealias Setup = ServeFixture

    /// Runs `openssl s_client -status`, which sends `message` (after `pause` seconds, if any) and keeps
    /// its input open until the echo of `message` has come back (or 30 s have passed), then exits.
    static func sClientSending(
        _ message: String, port: Int, version: String, pause: Int = 0, directory: String
    ) throws -> String {
        let script = """
            out="$1/s_client-$$.out"; : > "$out"
            ( sleep "$4"; printf '%s\\n' "$5"; n=0
              while [ $n -lt 300 ] && ! grep -q "$5" "$out"; do sleep 0.1; n=$((n+1)); done
            ) | openssl s_client -connect "127.0.0.1:$2" -status "$3" -no_ign_eof > "$out" 2>&1
            cat "$out"
            """
        return try SystemTools.execute(
            "sh", ["-c", script, "sh", directory, "\(port)", version, "\(pause)", message]
        ).combined
    }

    /// Python's `ssl` as the peer: handshake, then `unwrap()`, which sends close_notify and returns only
    /// once the server's close_notify has been read (a server that just closes makes it raise).
    static func closeNotifyOnly(port: Int, version: String) throws -> SystemTools.Execution {
        let script = """
            import socket, ssl, sys
            port, version = int(sys.argv[1]), sys.argv[2]
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            chosen = ssl.TLSVersion.TLSv1_3 if version == "1.3" else ssl.TLSVersion.TLSv1_2
            context.minimum_version = context.maximum_version = chosen
            tls = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30), server_hostname="x.test")
            print("handshake", tls.version())
            plain = tls.unwrap()
            print("close_notify answered")
            print("then EOF" if plain.recv(1) == b"" else "then more bytes")
            """
        return try SystemTools.execute("python3", ["-c", script, "\(port)", version])
    }

    @Test(
        "s_client -status gets the staple, and data sent at once or after a pause round-trips through the hand-off",
        arguments: [TestPKI.KeyType.p256, .rsa])
    func stapledAndProxied(keyType: TestPKI.KeyType) async throws {
        let setup = try await Setup(name: "front-\(keyType)", keyType: keyType)
        do {
            for version in ["-tls1_3", "-tls1_2"] {
                for pause in [0, 1] {
                    let message = "ping-\(version)-pause\(pause)"
                    let output = try Self.sClientSending(
                        message, port: setup.serve.port, version: version, pause: pause, directory: setup.pki.directory)
                    let context = "\(keyType) \(version) pause \(pause)"
                    #expect(output.contains("OCSP Response Status: successful"), "\(context): \(output.prefix(800))")
                    #expect(output.contains("Cert Status: good"), "\(context)")
                    #expect(output.contains("Serial Number: \(setup.leaf.serialHex)"), "\(context): this certificate's")
                    #expect(
                        output.contains(version == "-tls1_3" ? "TLSv1.3" : "TLSv1.2"),
                        "\(context): \(output.prefix(800))")
                    // The echo, back through the proxy: its first record was read by the channel.
                    #expect(
                        output.components(separatedBy: message).count >= 2, "\(context): \(output.suffix(400))")
                }
            }
            #expect(setup.serve.isRunning)
        } catch {
            await setup.tearDown()
            throw error
        }
        await setup.tearDown()
    }

    @Test("256 KiB sent right after the handshake (many records, some read ahead with the Finished) all come back")
    func bigFirstWrite() async throws {
        let setup = try await Setup(name: "front-big")
        do {
            var rng = SystemRandomNumberGenerator()
            let payload = (0..<262_144).map { _ in UInt8.random(in: 0...255, using: &rng) }
            for version in [TLSVersion.tls13, .tls12] {
                let result = try await TLSTestClient.connect(
                    port: setup.serve.port, version: version, send: payload, halfClose: true, readUntilClose: true)
                #expect(result.handshake?.stapledResponse != nil, "\(version)")
                #expect(result.received.count == payload.count, "\(version)")
                #expect(result.received == payload, "\(version): byte for byte")
            }
        } catch {
            await setup.tearDown()
            throw error
        }
        await setup.tearDown()
    }

    @Test("a peer that only sends close_notify gets close_notify back, then EOF, in TLS 1.3 and 1.2")
    func closeNotifyAnswered() async throws {
        let setup = try await Setup(name: "front-close-notify")
        do {
            for version in ["1.3", "1.2"] {
                let result = try Self.closeNotifyOnly(port: setup.serve.port, version: version)
                #expect(result.status == 0, "TLS \(version): \(result)")
                #expect(result.stdout.contains("handshake TLSv\(version)"), "\(result)")
                #expect(result.stdout.contains("close_notify answered\nthen EOF"), "\(result)")
            }
            #expect(setup.serve.isRunning)
        } catch {
            await setup.tearDown()
            throw error
        }
        await setup.tearDown()
    }

    @Test("a peer that stalls mid-handshake is closed at the handshake timeout; one idle after it is not")
    func handshakeTimeout() async throws {
        // 3 s, not less: the idle client's own handshake must finish within it on a loaded machine.
        let setup = try await Setup(name: "front-timeout", extraArguments: ["--handshake-timeout", "3"])
        do {
            // Established, then silent for longer than the handshake timeout: still served.
            let collected = NIOLockedValueBox<[UInt8]>([])
            let context = try OpenSSLClientContext(configuration: TLSClientConfiguration(serverName: "x.test"))
            let (idle, handshake) = try await TLSTestClient.open(
                port: setup.serve.port, context: context, handlers: [Collect(collected)])
            #expect(handshake.version == "TLSv1.3")
            // Half a ClientHello, then nothing.
            let hello = try RobustnessTests.clientHello()
            let stalled = try await RobustnessTests.rawConnection(port: setup.serve.port)
            // On a loaded machine the server may have closed it already: the point is that it does.
            try? await stalled.writeAndFlush(hello.getSlice(at: hello.readerIndex, length: hello.readableBytes / 2)!)
            // The server closes it (the timeout is 3 s); a server that does not hangs here.
            try await stalled.closeFuture.get()
            try await Task.sleep(for: .seconds(1))
            try await idle.writeAndFlush(ByteBuffer(string: "late but fine"))
            try await idle.close(mode: .output)
            try? await idle.closeFuture.get()
            #expect(String(decoding: collected.withLockedValue { $0 }, as: UTF8.self) == "late but fine")
            #expect(setup.serve.log.contains("handshake-timeout"), "\(setup.serve.log.suffix(1_500))")
            #expect(setup.serve.isRunning)
        } catch {
            await setup.tearDown()
            throw error
        }
        await setup.tearDown()
    }

    @Test("s_time's clients, which leave before reading the tickets or the close_notify answer, do not stop the server")
    func peersThatReset() async throws {
        let setup = try await Setup(name: "front-reset", persisting: true)
        // A second server, started as an operator's shell starts it: SIGPIPE at its default action
        // (the test runner ignores it, and its children would inherit that) and not blocked. It loads
        // the staple the first one stored, so it fetches nothing at start: no HTTP client has yet set
        // SIGPIPE to be ignored for the whole process, as SwiftNIO's sockets do once they exist.
        let stored = "\(setup.pki.directory)/state"
        #expect(await eventually { !((try? FileManager.default.contentsOfDirectory(atPath: stored)) ?? []).isEmpty })
        let port = try SystemTools.freePort()
        let restoreSignal = """
            import os, signal, sys
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGPIPE})
            os.execv(sys.argv[1], sys.argv[1:])
            """
        let serve = try await ListeningProcess(
            try #require(SystemTools.which("python3")),
            [
                "-c", restoreSignal, ServeProcess.executable, "serve", "--listen", "127.0.0.1:\(port)", "--cert",
                setup.leaf.pemPath, "--key", setup.leaf.keyPath, "--backend", "127.0.0.1:\(setup.echo.port)",
                "--state-dir", stored,
            ],
            port: port, logPath: "\(setup.pki.directory)/serve-sigpipe.log", stopSignal: SIGTERM)
        defer { serve.stop() }
        do {
            for version in ["-tls1_3", "-tls1_2"] {
                // Writes to a connection the peer has reset fail with EPIPE; SIGPIPE must not end the process.
                let run = try SystemTools.execute(
                    "openssl", ["s_time", "-connect", "127.0.0.1:\(port)", "-new", version, "-time", "2"])
                #expect(run.stdout.contains("connections in"), "\(version): \(run)")
                #expect(serve.isRunning, "\(version): \(serve.log.suffix(800))")
            }
            let output = try Self.sClientSending(
                "after-s_time", port: port, version: "-tls1_3", directory: setup.pki.directory)
            #expect(output.contains("Cert Status: good"), "\(output.prefix(800))")
            #expect(output.components(separatedBy: "after-s_time").count >= 2, "\(output.suffix(400))")
        } catch {
            await setup.tearDown()
            throw error
        }
        await setup.tearDown()
    }

    @Test("garbage is closed and the next client is stapled and proxied")
    func garbage() async throws {
        let setup = try await Setup(name: "front-garbage")
        do {
            for _ in 0..<3 {
                let garbage = try await RobustnessTests.rawConnection(port: setup.serve.port)
                try await garbage.writeAndFlush(ByteBuffer(bytes: Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)))
                try await garbage.closeFuture.get()
            }
            let output = try Self.sClientSending(
                "after-garbage", port: setup.serve.port, version: "-tls1_3", directory: setup.pki.directory)
            #expect(output.contains("Cert Status: good"), "\(output.prefix(800))")
            #expect(output.components(separatedBy: "after-garbage").count >= 2, "\(output.suffix(400))")
        } catch {
            await setup.tearDown()
            throw error
        }
        await setup.tearDown()
    }

    @Test("SIGTERM drains: a handshake stalled in the front and an idle proxied connection are closed, exit 0")
    func drain() async throws {
        let setup = try await Setup(name: "front-drain", extraArguments: ["--drain", "1"])
        let hello = try RobustnessTests.clientHello()
        let stalled = try await RobustnessTests.rawConnection(port: setup.serve.port)
        try await stalled.writeAndFlush(hello.getSlice(at: hello.readerIndex, length: hello.readableBytes / 2)!)
        let collected = NIOLockedValueBox<[UInt8]>([])
        let context = try OpenSSLClientContext(configuration: TLSClientConfiguration(serverName: "x.test"))
        let (proxied, _) = try await TLSTestClient.open(
            port: setup.serve.port, context: context, handlers: [Collect(collected)])
        try await proxied.writeAndFlush(ByteBuffer(string: "x"))
        #expect(await eventually { collected.withLockedValue { $0 } == Array("x".utf8) })
        let status = setup.serve.stop()
        #expect(status == 0, "\(setup.serve.log.suffix(1_000))")
        try await stalled.closeFuture.get()
        try? await proxied.closeFuture.get()
        #expect(!proxied.isActive)
        #expect(setup.serve.log.contains("Stopped serving TLS"))
        await setup.tearDown()
    }

    /// Collects plaintext into a box.
    final class Collect: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let box: NIOLockedValueBox<[UInt8]>
        init(_ box: NIOLockedValueBox<[UInt8]>) { self.box = box }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            box.withLockedValue { $0 += buffer.readableBytesView }
        }
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .some(.inputClosed) = event as? ChannelEvent { context.close(promise: nil) }
            context.fireUserInboundEventTriggered(event)
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }
}
