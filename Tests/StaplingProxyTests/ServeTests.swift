import Foundation
import NIOConcurrencyHelpers
import OCSPCore
import StapleTestSupport
import TLSStapling
import Testing

/// `staple serve` end to end: real `openssl ocsp` responders, `openssl s_client`, our client role.
@Suite("staple serve", .enabled(if: opensslTestsEnabled, Comment(rawValue: opensslMissingReason)), .serialized)
struct ServeTests {
    static func verify(_ staple: [UInt8]?, leaf: TestPKI.Leaf, pki: TestPKI) -> OCSPVerdict? {
        staple.map {
            OCSPVerifier().verify(response: $0, certificate: leaf.certificate, issuer: pki.ca, now: Date()).verdict
        }
    }

    @Test("the very first connection after start is stapled, TLS 1.2 and 1.3, and bytes pass both ways")
    func firstConnection() async throws {
        let pki = try TestPKI(name: "serve-first")
        defer { pki.remove() }
        let echo = try await EchoServer()
        // openssl ocsp reads its index once, at start: issue first, on a port chosen beforehand.
        let port = try SystemTools.freePort()
        let leaf = try pki.issue(ocspURLs: ["http://127.0.0.1:\(port)/"])
        try await withOpenSSLResponder(pki: pki, port: port) { _ in
            let serve = try await ServeProcess(
                [
                    "--cert", leaf.pemPath, "--key", leaf.keyPath, "--backend", "127.0.0.1:\(echo.port)", "--state-dir",
                    "\(pki.directory)/state",
                ],
                directory: pki.directory
            )
            defer { serve.stop() }
            for version in ["-tls1_2", "-tls1_3"] {
                let output = try sClient(port: serve.port, version: version)
                #expect(output.contains("OCSP Response Status: successful"), "\(version): \(output.prefix(600))")
                #expect(output.contains("Cert Status: good"), "\(version)")
                #expect(
                    output.contains("Serial Number: \(leaf.serialHex)"),
                    "\(version): the staple is for this certificate")
            }
            for version in [TLSVersion.tls12, .tls13] {
                let result = try await TLSTestClient.connect(
                    port: serve.port, version: version, send: Array("hello".utf8), halfClose: true, readUntilClose: true
                )
                #expect(Self.verify(result.handshake?.stapledResponse, leaf: leaf, pki: pki) == .good)
                // The echo backend answers after our half-close, through the proxy, then ends its side.
                #expect(String(decoding: result.received, as: UTF8.self) == "hello")
            }
            // The staple was persisted for the next start.
            let stored = try FileManager.default.contentsOfDirectory(atPath: "\(pki.directory)/state")
            #expect(!stored.isEmpty)
            #expect(serve.stop() == 0, "SIGTERM drains and exits 0: \(serve.log.suffix(500))")
        }
        await echo.stop()
    }

    @Test("the responder is down at start, but the persisted staple is served from the first connection")
    func persistedStaple() async throws {
        let pki = try TestPKI(name: "serve-persisted")
        defer { pki.remove() }
        let echo = try await EchoServer()
        let state = "\(pki.directory)/state"
        // Held bound but not listening once the responder is gone, so no other test takes the port.
        let responderPort = try SystemTools.freePort()
        let leaf = try pki.issue(ocspURLs: ["http://127.0.0.1:\(responderPort)/"])
        let arguments = [
            "--cert", leaf.pemPath, "--key", leaf.keyPath, "--backend", "127.0.0.1:\(echo.port)", "--state-dir", state,
        ]
        try await withOpenSSLResponder(pki: pki, port: responderPort) { _ in
            let first = try await ServeProcess(arguments, directory: pki.directory)
            #expect(try sClient(port: first.port, version: "-tls1_3").contains("Cert Status: good"))
            #expect(first.stop() == 0)
        }
        // The responder is gone now; nothing listens on its port.
        let second = try await ServeProcess(arguments + ["--startup-wait", "2"], directory: pki.directory)
        defer { second.stop() }
        let result = try await TLSTestClient.connect(port: second.port)
        #expect(
            Self.verify(result.handshake?.stapledResponse, leaf: leaf, pki: pki) == .good, "\(second.log.suffix(800))")
        await echo.stop()
    }

    @Test("expired and foreign answers are never stapled; a good one appears without restart")
    func badAnswersThenRecovery() async throws {
        let pki = try TestPKI(name: "serve-recovery")
        defer { pki.remove() }
        let echo = try await EchoServer()
        let answer = NIOLockedValueBox<[UInt8]>([])
        let responder = try await TestHTTPServer { _ in .ocsp(answer.withLockedValue { $0 }) }
        let leaf = try pki.issue(ocspURLs: [responder.url()])
        let other = try pki.issue()
        let now = Date()
        let expired = try pki.signedResponse(
            for: leaf.certificate, thisUpdate: now - 3 * 86_400, nextUpdate: now - 86_400)
        let foreign = try pki.signedResponse(for: other.certificate, thisUpdate: now - 60, nextUpdate: now + 86_400)
        let good = try pki.signedResponse(for: leaf.certificate, thisUpdate: now - 60, nextUpdate: now + 86_400)

        answer.withLockedValue { $0 = expired }
        let serve = try await ServeProcess(
            [
                "--cert", leaf.pemPath, "--key", leaf.keyPath, "--backend", "127.0.0.1:\(echo.port)", "--retry-after",
                "1", "--startup-wait", "5",
            ],
            directory: pki.directory
        )
        defer { serve.stop() }
        for (name, bytes) in [("expired", expired), ("foreign", foreign)] {
            answer.withLockedValue { $0 = bytes }
            let asked = responder.requests.count
            // Until the engine has asked again (bounded; a broken engine fails the expectations below).
            for _ in 0..<300 where responder.requests.count <= asked { try await Task.sleep(for: .milliseconds(100)) }
            let result = try await TLSTestClient.connect(port: serve.port)
            #expect(result.handshake != nil)
            #expect(result.handshake?.stapledResponse == nil, "\(name) must not be stapled")
        }
        answer.withLockedValue { $0 = good }
        var stapled: [UInt8]?
        for _ in 0..<600 where stapled == nil {
            stapled = try await TLSTestClient.connect(port: serve.port).handshake?.stapledResponse
            if stapled == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(
            stapled == good,
            "the good staple appears once the responder recovers, without restart: \(serve.log.suffix(1_500))")
        await responder.stop()
        await echo.stop()
    }

    @Test("a revoked answer is never stapled and is reported loudly")
    func revoked() async throws {
        let pki = try TestPKI(name: "serve-revoked")
        defer { pki.remove() }
        let echo = try await EchoServer()
        let port = try SystemTools.freePort()
        let leaf = try pki.issue(ocspURLs: ["http://127.0.0.1:\(port)/"], status: .revoked(Date() - 3_600))
        try await withOpenSSLResponder(pki: pki, port: port) { _ in
            let serve = try await ServeProcess(
                ["--cert", leaf.pemPath, "--key", leaf.keyPath, "--backend", "127.0.0.1:\(echo.port)"],
                directory: pki.directory
            )
            defer { serve.stop() }
            let result = try await TLSTestClient.connect(port: serve.port)
            #expect(result.handshake != nil && result.handshake?.stapledResponse == nil)
            let output = try sClient(port: serve.port, version: "-tls1_3")
            #expect(output.contains("OCSP response: no response sent"))
            #expect(serve.log.contains("REVOKED"))
        }
        await echo.stop()
    }

    @Test("SNI: two certificates from two CAs each get their own staple")
    func sniTwoCAs() async throws {
        let pkiA = try TestPKI(name: "serve-sni-a")
        let pkiB = try TestPKI(name: "serve-sni-b")
        defer {
            pkiA.remove()
            pkiB.remove()
        }
        let echo = try await EchoServer()
        let portA = try SystemTools.freePort()
        let portB = try SystemTools.freePort()
        let a = try pkiA.issue(commonName: "a.test", ocspURLs: ["http://127.0.0.1:\(portA)/"])
        let b = try pkiB.issue(commonName: "b.test", ocspURLs: ["http://127.0.0.1:\(portB)/"])
        try await withOpenSSLResponder(pki: pkiA, port: portA) { _ in
            try await withOpenSSLResponder(pki: pkiB, port: portB) { _ in
                let serve = try await ServeProcess(
                    [
                        "--cert", a.pemPath, "--key", a.keyPath, "--cert", b.pemPath, "--key", b.keyPath, "--backend",
                        "127.0.0.1:\(echo.port)",
                    ],
                    directory: pkiA.directory
                )
                defer { serve.stop() }
                let resultA = try await TLSTestClient.connect(port: serve.port, serverName: "a.test")
                let resultB = try await TLSTestClient.connect(port: serve.port, serverName: "b.test")
                #expect(Self.verify(resultA.handshake?.stapledResponse, leaf: a, pki: pkiA) == .good)
                #expect(Self.verify(resultB.handshake?.stapledResponse, leaf: b, pki: pkiB) == .good)
                #expect(resultA.handshake?.stapledResponse != resultB.handshake?.stapledResponse)
                let output = try sClient(port: serve.port, version: "-tls1_3", serverName: "b.test")
                #expect(output.contains("Serial Number: \(b.serialHex)"))
            }
        }
        await echo.stop()
    }

    @Test("SIGHUP reloads certificates and keys: a renewed certificate is served, with its own staple")
    func reloadOnHangup() async throws {
        let pki = try TestPKI(name: "serve-reload")
        defer { pki.remove() }
        let echo = try await EchoServer()
        let port = try SystemTools.freePort()
        let old = try pki.issue(commonName: "site.test", ocspURLs: ["http://127.0.0.1:\(port)/"])
        let renewed = try pki.issue(commonName: "site.test", ocspURLs: ["http://127.0.0.1:\(port)/"])
        let chain = "\(pki.directory)/site.pem"
        let key = "\(pki.directory)/site.key"
        func install(_ leaf: TestPKI.Leaf) throws {
            try Data(contentsOf: URL(fileURLWithPath: leaf.pemPath)).write(to: URL(fileURLWithPath: chain))
            try Data(contentsOf: URL(fileURLWithPath: leaf.keyPath)).write(to: URL(fileURLWithPath: key))
        }
        try install(old)
        try await withOpenSSLResponder(pki: pki, port: port) { _ in
            let serve = try await ServeProcess(
                ["--cert", chain, "--key", key, "--backend", "127.0.0.1:\(echo.port)"], directory: pki.directory)
            defer { serve.stop() }
            let before = try await TLSTestClient.connect(port: serve.port)
            #expect(before.handshake?.peerCertificateChain.first == CertificateLoading.derBytes(old.certificate))
            #expect(Self.verify(before.handshake?.stapledResponse, leaf: old, pki: pki) == .good)

            try install(renewed)
            serve.signal(SIGHUP)
            var after: ClientResult?
            for _ in 0..<300 {
                let result = try await TLSTestClient.connect(port: serve.port)
                if result.handshake?.peerCertificateChain.first == CertificateLoading.derBytes(renewed.certificate),
                    result.handshake?.stapledResponse != nil
                {
                    after = result
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(
                Self.verify(after?.handshake?.stapledResponse, leaf: renewed, pki: pki) == .good,
                "\(serve.log.suffix(1_000))")
            #expect(serve.isRunning)
        }
        await echo.stop()
    }

    @Test(
        "an RSA and an ECDSA certificate for one name: the client's signature algorithms choose, each with its own staple"
    )
    func rsaAndECDSA() async throws {
        let pki = try TestPKI(name: "serve-dual")
        defer { pki.remove() }
        let echo = try await EchoServer()
        let port = try SystemTools.freePort()
        let ecdsa = try pki.issue(commonName: "dual.test", ocspURLs: ["http://127.0.0.1:\(port)/"])
        // An RSA leaf for the same name, from the same CA, made with the openssl CLI.
        let dir = pki.directory
        try
            "basicConstraints=CA:FALSE\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:\(port)/\nsubjectAltName=DNS:dual.test\n"
            .write(toFile: "\(dir)/rsa.ext", atomically: true, encoding: .utf8)
        try SystemTools.run(
            "openssl",
            [
                "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(dir)/rsa.key", "-out", "\(dir)/rsa.csr", "-subj",
                "/CN=dual.test",
            ])
        try SystemTools.run(
            "openssl",
            [
                "x509", "-req", "-in", "\(dir)/rsa.csr", "-CA", pki.caPath, "-CAkey", pki.caKeyPath, "-set_serial",
                "0x2ABC", "-days", "5",
                "-out", "\(dir)/rsa.crt", "-extfile", "\(dir)/rsa.ext",
            ])
        try
            (String(contentsOfFile: "\(dir)/rsa.crt", encoding: .utf8)
            + String(contentsOfFile: pki.caPath, encoding: .utf8))
            .write(toFile: "\(dir)/rsa.pem", atomically: true, encoding: .utf8)
        let index =
            try String(contentsOfFile: pki.indexPath, encoding: .utf8)
            + "V\t301231235959Z\t\t2ABC\tunknown\t/CN=dual.test\n"
        try index.write(toFile: pki.indexPath, atomically: true, encoding: .utf8)
        try await withOpenSSLResponder(pki: pki, port: port) { _ in
            let serve = try await ServeProcess(
                [
                    "--cert", ecdsa.pemPath, "--key", ecdsa.keyPath, "--cert", "\(dir)/rsa.pem", "--key",
                    "\(dir)/rsa.key", "--backend", "127.0.0.1:\(echo.port)",
                ],
                directory: dir
            )
            defer { serve.stop() }
            let ec = try sClient(
                port: serve.port, version: "-tls1_3", serverName: "dual.test",
                extra: ["-sigalgs", "ecdsa_secp256r1_sha256"])
            #expect(ec.contains("Peer signature type: ECDSA"), "\(ec.prefix(800))")
            #expect(ec.contains("Serial Number: \(ecdsa.serialHex)") && ec.contains("Cert Status: good"))
            let rsa = try sClient(
                port: serve.port, version: "-tls1_3", serverName: "dual.test",
                extra: ["-sigalgs", "rsa_pss_rsae_sha256"])
            #expect(rsa.contains("Peer signature type: RSA-PSS"), "\(rsa.prefix(800))")
            #expect(rsa.contains("Serial Number: 2ABC") && rsa.contains("Cert Status: good"))
        }
        await echo.stop()
    }

    @Test("--cert-list: certificates listed in a file (relative paths, a comment) are each served with their own staple")
    func certificateList() async throws {
        let pki = try TestPKI(name: "serve-list")
        defer { pki.remove() }
        let echo = try await EchoServer()
        let port = try SystemTools.freePort()
        let a = try pki.issue(commonName: "a.test", fileName: "a", ocspURLs: ["http://127.0.0.1:\(port)/"])
        let b = try pki.issue(commonName: "b.test", fileName: "b", ocspURLs: ["http://127.0.0.1:\(port)/"])
        let list = "\(pki.directory)/certificates.list"
        try "# chain key\na.pem a.key\n\(b.pemPath)   \(b.keyPath)  # absolute\n"
            .write(toFile: list, atomically: true, encoding: .utf8)
        try await withOpenSSLResponder(pki: pki, port: port) { _ in
            let serve = try await ServeProcess(
                ["--cert-list", list, "--backend", "127.0.0.1:\(echo.port)"], directory: pki.directory)
            defer { serve.stop() }
            let resultA = try await TLSTestClient.connect(port: serve.port, serverName: "a.test")
            let resultB = try await TLSTestClient.connect(port: serve.port, serverName: "b.test")
            #expect(resultA.handshake?.peerCertificateChain.first == a.der)
            #expect(resultB.handshake?.peerCertificateChain.first == b.der)
            #expect(Self.verify(resultA.handshake?.stapledResponse, leaf: a, pki: pki) == .good)
            #expect(Self.verify(resultB.handshake?.stapledResponse, leaf: b, pki: pki) == .good)
        }
        await echo.stop()
    }

    @Test("an address already in use exits 3 and names it")
    func cannotListen() async throws {
        let pki = try TestPKI(name: "serve-in-use")
        defer { pki.remove() }
        let leaf = try pki.issue()
        let occupant = try await EchoServer()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServeProcess.executable)
        process.arguments = [
            "serve", "--listen", "127.0.0.1:\(occupant.port)", "--backend", "127.0.0.1:9", "--cert", leaf.pemPath,
            "--key", leaf.keyPath, "--startup-wait", "0",
        ]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        await occupant.stop()
        #expect(process.terminationStatus == 3, "\(message)")
        #expect(message.contains("cannot listen on 127.0.0.1:\(occupant.port)"), "\(message)")
    }

    @Test("unusable input exits 2 and names the file")
    func badInput() throws {
        let pki = try TestPKI(name: "serve-bad")
        defer { pki.remove() }
        let leaf = try pki.issue()
        let leafOnly = "\(pki.directory)/leaf-only.pem"
        try CertificateLoading.pem(leaf.certificate).write(toFile: leafOnly, atomically: true, encoding: .utf8)
        let badList = "\(pki.directory)/bad.list"
        try "\(leaf.pemPath) \(leaf.keyPath)\n\(leaf.pemPath)\n".write(toFile: badList, atomically: true, encoding: .utf8)
        for (arguments, mention) in [
            (["--cert", "\(pki.directory)/missing.pem", "--key", leaf.keyPath], "missing.pem"),
            (["--cert-list", "\(pki.directory)/missing.list"], "missing.list"),
            (["--cert-list", badList], "bad.list:2"),
            (["--cert", leafOnly, "--key", leaf.keyPath], "issuer"),
            (["--cert", leaf.pemPath, "--key", pki.caKeyPath], pki.caKeyPath),
        ] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ServeProcess.executable)
            process.arguments = ["serve", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:9"] + arguments
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 2, "\(arguments): \(message)")
            #expect(message.contains(mention), "\(message)")
        }
    }
}
