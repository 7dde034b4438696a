import Foundation
import NIOCore
import NIOEmbedded
import OCSPCore
import StapleTestSupport
import TLSStapling
import Testing

/// A client and a server handler talking to each other in memory.
@Suite("OpenSSL TLS handlers in memory")
struct InMemoryHandshakeTests {
    @Test(
        "the staple reaches a client that asked, byte for byte, in TLS 1.2 and 1.3",
        arguments: [TLSVersion.tls12, .tls13])
    func stapleDelivered(version: TLSVersion) throws {
        let pki = try TestPKI(name: "tls")
        defer { pki.remove() }
        let leaf = try pki.issue(commonName: "site.test", fileName: "site")
        let staple = try pki.signedResponse(for: leaf.certificate)
        let provider = CountingProvider([leaf.der: staple])
        let server = try OpenSSLServerContext(
            configuration: TLSServerConfiguration(
                certificates: [leaf.tlsSource], minimumVersion: version, maximumVersion: version),
            provider: provider
        )
        let client = try OpenSSLClientContext(configuration: TLSClientConfiguration(serverName: "site.test"))
        let pair = try InMemoryPair(server: server, client: client)
        defer { pair.finish() }
        try pair.exchange()

        let handshake = try #require(pair.clientRecorder.handshake)
        #expect(handshake.version == (version == .tls13 ? "TLSv1.3" : "TLSv1.2"))
        #expect(handshake.stapledResponse == staple)
        #expect(handshake.peerCertificateChain.first == leaf.der)
        #expect(provider.calls == 1)
        // And the stapled bytes verify as good for the certificate that was presented.
        let result = OCSPVerifier().verify(
            response: handshake.stapledResponse!, certificate: leaf.certificate, issuer: pki.ca, now: Date())
        #expect(result.verdict == .good)

        // Application data both ways.
        try pair.client.writeAndFlush(ByteBuffer(string: "ping")).wait()
        try pair.exchange()
        #expect(pair.serverRecorder.received == "ping")
        try pair.server.writeAndFlush(ByteBuffer(string: "pong")).wait()
        try pair.exchange()
        #expect(pair.clientRecorder.received == "pong")
    }

    @Test("no staple when the provider has none, and none asked for when the client does not request status")
    func noStaple() throws {
        let pki = try TestPKI(name: "tls")
        defer { pki.remove() }
        let leaf = try pki.issue(commonName: "site.test", fileName: "site")
        let empty = CountingProvider([:])
        let server = try OpenSSLServerContext(
            configuration: TLSServerConfiguration(certificates: [leaf.tlsSource]), provider: empty)
        let asking = try InMemoryPair(
            server: server, client: try OpenSSLClientContext(configuration: TLSClientConfiguration()))
        defer { asking.finish() }
        try asking.exchange()
        #expect(asking.clientRecorder.handshake != nil)
        #expect(asking.clientRecorder.handshake?.stapledResponse == nil)
        #expect(empty.calls == 1)

        let staple = try pki.signedResponse(for: leaf.certificate)
        let full = CountingProvider([leaf.der: staple])
        let server2 = try OpenSSLServerContext(
            configuration: TLSServerConfiguration(certificates: [leaf.tlsSource]), provider: full)
        let silent = try InMemoryPair(
            server: server2,
            client: try OpenSSLClientContext(configuration: TLSClientConfiguration(requestStatus: false))
        )
        defer { silent.finish() }
        try silent.exchange()
        #expect(silent.clientRecorder.handshake != nil)
        #expect(silent.clientRecorder.handshake?.stapledResponse == nil)
        #expect(full.calls == 0)
    }

    @Test("SNI picks the certificate, and its own staple, among several: any letter case, a `*.` wildcard one label deep")
    func sni() throws {
        let pkiA = try TestPKI(name: "A")
        let pkiB = try TestPKI(name: "B")
        defer {
            pkiA.remove()
            pkiB.remove()
        }
        let a = try pkiA.issue(commonName: "a.test", fileName: "a")
        let b = try pkiB.issue(commonName: "b.test", fileName: "b", keyType: .rsa)
        let w = try pkiA.issue(commonName: "*.w.test", fileName: "w")
        let stapleA = try pkiA.signedResponse(for: a.certificate)
        let stapleB = try pkiB.signedResponse(for: b.certificate)
        let stapleW = try pkiA.signedResponse(for: w.certificate)
        let server = try OpenSSLServerContext(
            configuration: TLSServerConfiguration(certificates: [a.tlsSource, b.tlsSource, w.tlsSource]),
            provider: CountingProvider([a.der: stapleA, b.der: stapleB, w.der: stapleW])
        )
        for (name, leaf, staple) in [
            ("a.test", a, stapleA), ("B.Test", b, stapleB), ("x.w.test", w, stapleW), ("y.x.w.test", a, stapleA),
            ("other.test", a, stapleA),
        ] {
            let pair = try InMemoryPair(
                server: server,
                client: try OpenSSLClientContext(configuration: TLSClientConfiguration(serverName: name)))
            defer { pair.finish() }
            try pair.exchange()
            #expect(pair.clientRecorder.handshake?.peerCertificateChain.first == leaf.der, "\(name)")
            #expect(pair.clientRecorder.handshake?.stapledResponse == staple, "\(name)")
        }
    }

    @Test("ALPN: the server's preference among what the client offers")
    func alpn() throws {
        let pki = try TestPKI(name: "tls")
        defer { pki.remove() }
        let leaf = try pki.issue(commonName: "site.test", fileName: "site")
        let server = try OpenSSLServerContext(
            configuration: TLSServerConfiguration(certificates: [leaf.tlsSource], alpnProtocols: ["h2", "http/1.1"]),
            provider: CountingProvider([:])
        )
        let pair = try InMemoryPair(
            server: server,
            client: try OpenSSLClientContext(configuration: TLSClientConfiguration(alpnProtocols: ["http/1.1", "h2"]))
        )
        defer { pair.finish() }
        try pair.exchange()
        #expect(pair.clientRecorder.handshake?.negotiatedProtocol == "h2")
    }

    @Test("writes before the handshake wait for it; close_notify half-closes the peer's input")
    func bufferedWritesAndHalfClose() throws {
        let pki = try TestPKI(name: "tls")
        defer { pki.remove() }
        let leaf = try pki.issue(commonName: "site.test", fileName: "site")
        let server = try OpenSSLServerContext(
            configuration: TLSServerConfiguration(certificates: [leaf.tlsSource]), provider: CountingProvider([:]))
        let pair = try InMemoryPair(
            server: server, client: try OpenSSLClientContext(configuration: TLSClientConfiguration()))
        defer { pair.finish() }
        let early = pair.client.writeAndFlush(ByteBuffer(string: "early"))
        try pair.exchange()
        try early.wait()
        #expect(pair.serverRecorder.received == "early")

        // EmbeddedChannel closes fully on `.output`; the server still sees close_notify as the end of
        // its input. Writing after a half-close is tested over real sockets (`staple serve`).
        #expect(!pair.serverRecorder.inputClosed)
        try pair.client.close(mode: .output).wait()
        try pair.exchange()
        #expect(pair.serverRecorder.inputClosed)
    }

    @Test("garbage instead of a ClientHello fails with a TLS error and closes")
    func garbage() throws {
        let pki = try TestPKI(name: "tls")
        defer { pki.remove() }
        let leaf = try pki.issue(commonName: "site.test", fileName: "site")
        let server = try OpenSSLServerContext(
            configuration: TLSServerConfiguration(certificates: [leaf.tlsSource]), provider: CountingProvider([:]))
        let channel = EmbeddedChannel()
        let recorder = Recorder()
        try channel.pipeline.syncOperations.addHandlers([try OpenSSLTLSHandler(server: server), recorder])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(recorder.errors.contains { ($0 as? TLSError)?.code == .handshakeFailed })
        #expect(!channel.isActive)
    }

    @Test("a configuration OpenSSL cannot load names the file")
    func badConfiguration() throws {
        let pki = try TestPKI(name: "tls")
        defer { pki.remove() }
        let a = try pki.issue(commonName: "a.test", fileName: "a")
        let b = try pki.issue(commonName: "b.test", fileName: "b")
        let mismatched = TLSCertificateSource(chainPath: a.pemPath, keyPath: b.keyPath)
        #expect {
            try OpenSSLServerContext(
                configuration: TLSServerConfiguration(certificates: [mismatched]), provider: CountingProvider([:]))
        } throws: { ($0 as? TLSError)?.code == .configuration && "\($0)".contains(b.keyPath) }
        let missing = TLSCertificateSource(chainPath: pki.path("nope.pem"), keyPath: pki.path("nope.key"))
        #expect {
            try OpenSSLServerContext(
                configuration: TLSServerConfiguration(certificates: [missing]), provider: CountingProvider([:]))
        } throws: { ($0 as? TLSError)?.code == .configuration && "\($0)".contains("nope.pem") }
    }
}
