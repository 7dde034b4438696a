import Foundation
import OCSPCore
import OCSPResponder
import Testing
import X509
import StapleTestSupport

/// The independent oracle: `openssl ocsp` as a client, over real sockets on 127.0.0.1.
@Suite("openssl ocsp accepts our answers")
struct OpenSSLClientTests {
    enum SignerVariant: String, CaseIterable, Sendable {
        case caECDSA = "issuer-signed ECDSA"
        case caRSA = "issuer-signed RSA"
        case delegated = "delegated responder"
    }

    enum Method: String, CaseIterable, Sendable {
        case post = "POST"
        case get = "GET"
    }

    /// A CA (by `openssl ca`) with a good, a revoked and an unrecorded leaf, and a responder for it.
    struct Fixture {
        let ca: OpenSSLCA
        let good: String
        let revoked: String
        let unrecorded: String
        let responder: RunningResponder

        init(_ variant: SignerVariant) async throws {
            ca = try OpenSSLCA(
                name: "client-\(variant == .caRSA ? "rsa" : "ec")", keyType: variant == .caRSA ? .rsa : .ecdsa)
            good = try ca.issue("good")
            revoked = try ca.issue("revoked")
            try ca.revoke(revoked, reason: "keyCompromise")
            unrecorded = try ca.issueUnrecorded("unrecorded")
            var files = ca.files
            if variant == .delegated {
                let (certificate, key) = try ca.issueResponder()
                files = AuthorityFiles(
                    name: "delegated", caPath: ca.caPath, indexPath: ca.indexPath, signerPath: certificate, keyPath: key
                )
            }
            responder = try await RunningResponder([files])
        }

        func tearDown() async {
            await responder.stop()
            ca.remove()
        }

        /// Runs `body` with a fixture, and tears it down whatever happens.
        static func with(_ variant: SignerVariant, _ body: (Fixture) async throws -> Void) async throws {
            let fixture = try await Fixture(variant)
            do {
                try await body(fixture)
            } catch {
                await fixture.tearDown()
                throw error
            }
            await fixture.tearDown()
        }
    }

    /// Asks with `openssl ocsp`: POST by `-url`; GET by fetching the request `openssl ocsp -reqout`
    /// made, then verifying the answer with `openssl ocsp -respin -reqin` (which checks the nonce too).
    static func ask(
        _ fixture: Fixture, _ leaf: String, hash: OCSPHashAlgorithm, nonce: Bool, method: Method
    ) throws -> SystemTools.Execution {
        let ca = fixture.ca
        // The digest option must come before -cert (TESTING-NOTES).
        let certArguments = ["-issuer", ca.caPath] + (hash == .sha256 ? ["-sha256"] : []) + ["-cert", leaf]
        let nonceArguments = nonce ? ["-nonce"] : ["-no_nonce"]
        switch method {
        case .post:
            return try SystemTools.execute(
                "openssl",
                ["ocsp", "-url", fixture.responder.url] + certArguments + ["-CAfile", ca.caPath] + nonceArguments)
        case .get:
            let request = "\(ca.directory)/req-\(UUID().uuidString).der"
            let response = request + ".resp"
            let made = try SystemTools.run(
                "openssl", ["ocsp"] + certArguments + nonceArguments + ["-reqout", request, "-req_text"])
            let der = Array(try Data(contentsOf: URL(fileURLWithPath: request)))
            let http = try RawHTTPConnection(port: fixture.responder.port).request("GET", der.ocspGetPath)
            guard http.status == 200, http.header("Content-Type") == "application/ocsp-response" else {
                throw ToolError(description: "GET answered \(http.status)")
            }
            try Data(http.body).write(to: URL(fileURLWithPath: response))
            // `-respin` with `-cert` builds a new request (a new nonce): compare the nonces from the texts.
            var result = try SystemTools.execute(
                "openssl",
                ["ocsp", "-respin", response, "-resp_text", "-no_nonce"] + certArguments + ["-CAfile", ca.caPath])
            if nonce {
                let sent = nonceHex(made)
                if sent == nil || sent != nonceHex(result.stdout) {
                    result.status = 99
                    result.stderr +=
                        "WARNING: nonce sent \(sent ?? "none"), echoed \(nonceHex(result.stdout) ?? "none")"
                }
            }
            return result
        }
    }

    /// The hex line after "OCSP Nonce:" in `openssl ocsp -req_text` / `-resp_text` output.
    static func nonceHex(_ text: String) -> String? {
        let lines = text.components(separatedBy: "\n")
        guard let at = lines.firstIndex(where: { $0.contains("OCSP Nonce:") }), at + 1 < lines.count else { return nil }
        return lines[at + 1].trimmingCharacters(in: .whitespaces)
    }

    @Test(arguments: SignerVariant.allCases, Method.allCases)
    func goodRevokedAndUnknownForEveryHashAndNonceChoice(variant: SignerVariant, method: Method) async throws {
        try await Fixture.with(variant) { fixture in
            for hash in [OCSPHashAlgorithm.sha1, .sha256] {
                for nonce in [false, true] {
                    let context = "\(variant.rawValue), \(method.rawValue), \(hash), nonce \(nonce)"
                    let good = try Self.ask(fixture, fixture.good, hash: hash, nonce: nonce, method: method)
                    #expect(good.status == 0, "\(context): \(good)")
                    #expect(good.stderr.contains("Response verify OK"), "\(context): \(good)")
                    #expect(good.stdout.contains("\(fixture.good): good"), "\(context): \(good)")
                    #expect(good.stdout.contains("Next Update:"), "\(context): \(good)")
                    #expect(!good.combined.contains("WARNING"), "\(context): \(good)")

                    let revoked = try Self.ask(fixture, fixture.revoked, hash: hash, nonce: nonce, method: method)
                    #expect(revoked.stderr.contains("Response verify OK"), "\(context): \(revoked)")
                    #expect(revoked.stdout.contains("\(fixture.revoked): revoked"), "\(context): \(revoked)")
                    #expect(revoked.stdout.contains("Reason: keyCompromise"), "\(context): \(revoked)")
                    #expect(revoked.stdout.contains("Revocation Time:"), "\(context): \(revoked)")

                    let unknown = try Self.ask(fixture, fixture.unrecorded, hash: hash, nonce: nonce, method: method)
                    #expect(unknown.stderr.contains("Response verify OK"), "\(context): \(unknown)")
                    #expect(unknown.stdout.contains("\(fixture.unrecorded): unknown"), "\(context): \(unknown)")
                }
            }
        }
    }

    @Test(arguments: SignerVariant.allCases)
    func ourVerifierAndStapleFetchAcceptThemToo(variant: SignerVariant) async throws {
        try await Fixture.with(variant) { fixture in
            let ca = try fixture.ca.certificate(fixture.ca.caPath)
            let index = try fixture.ca.files.loadIndex()
            for (path, expected) in [
                (fixture.good, "good"), (fixture.revoked, "revoked"), (fixture.unrecorded, "unknown"),
            ] {
                let leaf = try fixture.ca.certificate(path)
                for hash in [OCSPHashAlgorithm.sha1, .sha256] {
                    let request = try OCSPRequest(
                        tbsRequest: TBSRequest(requestList: [
                            Request(reqCert: try CertID(certificate: leaf, issuer: ca, hash: hash))
                        ])
                    ).derBytes()
                    let http = try RawHTTPConnection(port: fixture.responder.port).request(
                        "POST", "/", headers: [("Content-Type", "application/ocsp-request")], body: request)
                    let verification = OCSPVerifier().verify(
                        response: http.body, certificate: leaf, issuer: ca, now: Date())
                    #expect(verification.verdict.name == expected, "\(path) \(hash): \(verification.verdict)")
                    if expected == "revoked", case .revoked(let time, let reason) = verification.verdict {
                        let entry = try #require(index.entry(serialNumber: Array(leaf.serialNumber.bytes)))
                        #expect(time == entry.revocationTime)
                        #expect(reason == .keyCompromise)
                    }
                }
                let out = "\(fixture.ca.directory)/\(expected).ocsp"
                let fetch = try SystemTools.execute(
                    SystemTools.stapleBinary,
                    ["fetch", path, "--issuer", fixture.ca.caPath, "--url", fixture.responder.url, "-o", out])
                // staple fetch: 0 written (good), 1 judged but not written (revoked, unknown).
                #expect(fetch.status == (expected == "good" ? 0 : 1), "\(path): \(fetch)")
                #expect(fetch.combined.lowercased().contains(expected), "\(path): \(fetch)")
            }
        }
    }

    @Test func anIssuerNotServedGetsUnauthorized() async throws {
        try await Fixture.with(.caECDSA) { fixture in
            let other = try OpenSSLCA(name: "other")
            defer { other.remove() }
            let stranger = try other.issue("stranger")
            let result = try SystemTools.execute(
                "openssl",
                [
                    "ocsp", "-url", fixture.responder.url, "-issuer", other.caPath, "-cert", stranger, "-CAfile",
                    other.caPath,
                ])
            #expect(result.combined.contains("Responder Error: unauthorized (6)"), "\(result)")
        }
    }
}
