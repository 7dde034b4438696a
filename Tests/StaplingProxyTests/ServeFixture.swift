import Foundation
import OCSPCore
import StapleTestSupport

/// A running `staple serve` in front of an echo server, with an `openssl ocsp` responder for its
/// leaf: the set-up the robustness and handshake-front suites share.
struct ServeFixture {
    let pki: TestPKI
    let leaf: TestPKI.Leaf
    let echo: EchoServer
    let responder: OpenSSLResponder
    let serve: ServeProcess

    /// `SO_SNDBUF` of the echo server and `SO_RCVBUF` of a client that never reads, when a test
    /// bounds what the kernel may buffer at the two ends it controls.
    static let socketBuffer = 64 * 1_024

    /// - Parameters:
    ///   - keyType: the leaf's key.
    ///   - boundedBuffers: the echo server's `SO_SNDBUF` is ``socketBuffer``.
    ///   - persisting: staples are stored in `<pki>/state` (`--state-dir`).
    init(
        name: String, keyType: TestPKI.KeyType = .p256, extraArguments: [String] = [], boundedBuffers: Bool = false,
        persisting: Bool = false
    ) async throws {
        pki = try TestPKI(name: name, keyType: keyType)
        let port = try SystemTools.freePort()
        leaf = try pki.issue(ocspURLs: ["http://127.0.0.1:\(port)/"])
        responder = try await OpenSSLResponder(pki: pki, port: port)
        echo = try await EchoServer(sendBuffer: boundedBuffers ? Self.socketBuffer : nil)
        let state = persisting ? ["--state-dir", "\(pki.directory)/state"] : []
        serve = try await ServeProcess(
            ["--cert", leaf.pemPath, "--key", leaf.keyPath, "--backend", "127.0.0.1:\(echo.port)"] + state
                + extraArguments,
            directory: pki.directory)
    }

    /// A new connection still gets a good staple for the leaf and its bytes echoed.
    func stapledConnectionWorks() async throws -> Bool {
        let result = try await TLSTestClient.connect(
            port: serve.port, send: Array("still here".utf8), halfClose: true, readUntilClose: true)
        guard let staple = result.handshake?.stapledResponse else { return false }
        let verdict = OCSPVerifier().verify(
            response: staple, certificate: leaf.certificate, issuer: pki.ca, now: Date()
        ).verdict
        return verdict == .good && String(decoding: result.received, as: UTF8.self) == "still here"
    }

    func tearDown() async {
        serve.stop()
        responder.stop()
        await echo.stop()
        pki.remove()
    }
}
