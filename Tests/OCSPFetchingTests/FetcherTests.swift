import Foundation
import Logging
import OCSPCore
import StapleTestSupport
import Testing
import X509

@testable import OCSPFetching

/// A fetcher with no proxies (the tests' environment must not leak in), shut down after `body`.
func withFetcher<T>(
    _ configuration: OCSPFetchConfiguration = OCSPFetchConfiguration(proxies: .none),
    resolver: any HostResolver = SystemHostResolver(),
    _ body: (OCSPFetcher) async throws -> T
) async throws -> T {
    var logger = Logger(label: "test.fetch")
    logger.logLevel = .error
    let fetcher = OCSPFetcher(configuration: configuration, resolver: resolver, logger: logger)
    do {
        let result = try await body(fetcher)
        try await fetcher.shutdown()
        return result
    } catch {
        try? await fetcher.shutdown()
        throw error
    }
}

func request(_ leaf: TestPKI.Leaf, _ pki: TestPKI, hash: OCSPHashAlgorithm = .sha1) throws -> [UInt8] {
    try OCSPRequestBuilder.request(certificate: leaf.certificate, issuer: pki.ca, hash: hash).derBytes()
}

/// Fetching from a real `openssl ocsp -index` responder.
@Suite(.enabled(if: opensslTestsEnabled, Comment(rawValue: opensslMissingReason)))
struct OpenSSLResponderFetchTests {
    @Test(arguments: [
        (OCSPHashAlgorithm.sha1, false), (.sha1, true), (.sha256, false), (.sha256, true),
    ])
    func goodRevokedAndUnknownOverGETAndPOST(hash: OCSPHashAlgorithm, post: Bool) async throws {
        let pki = try TestPKI(name: "fetch")
        defer { pki.remove() }
        let good = try pki.issue(status: .valid)
        let revoked = try pki.issue(status: .revoked(Date().addingTimeInterval(-7200)))
        let unknown = try pki.issue(status: .absent)
        try await withOpenSSLResponder(pki: pki) { responder in
            let configuration = OCSPFetchConfiguration(maximumGETBase64Length: post ? 0 : 255, proxies: .none)
            try await withFetcher(configuration) { fetcher in
                for (leaf, expected) in [(good, "good"), (revoked, "revoked"), (unknown, "unknown")] {
                    let result = try await fetcher.fetch(
                        derRequest: try request(leaf, pki, hash: hash), urls: [responder.url()],
                        serialNumberHex: leaf.serialHex)
                    #expect(result.method == (post ? .post : .get))
                    let verification = OCSPVerifier().verify(
                        response: result.responseBytes, certificate: leaf.certificate, issuer: pki.ca, now: Date())
                    #expect(
                        verification.verdict.name == expected,
                        "\(leaf.serialHex): \(verification.verdict) \(responder.log)")
                    #expect(verification.singleResponse.flatMap { OCSPHashAlgorithm($0.certID.hashAlgorithm) } == hash)
                }
            }
        }
    }

    @Test func aRealRequestIsSentAsGETUnder255Bytes() async throws {
        // The request openssl would send is small: a SHA-1 CertID without nonce is ~100 base64 bytes.
        let pki = try TestPKI(name: "get")
        defer { pki.remove() }
        let leaf = try pki.issue()
        let der = try request(leaf, pki)
        #expect(Data(der).base64EncodedString().utf8.count <= 255)
        #expect(OCSPHTTPRequest(derRequest: der, responderURL: "http://x.test").method == .get)
    }

    @Test func allURLsAreTriedInOrder() async throws {
        let pki = try TestPKI(name: "order")
        defer { pki.remove() }
        let leaf = try pki.issue()
        let dead = try ClosedPort()
        let deadPort = dead.port
        try await withOpenSSLResponder(pki: pki) { responder in
            try await withFetcher { fetcher in
                let result = try await fetcher.fetch(
                    derRequest: try request(leaf, pki), urls: ["http://127.0.0.1:\(deadPort)/", responder.url()],
                    serialNumberHex: leaf.serialHex)
                #expect(result.responderURL == responder.url())
                #expect(result.earlierFailures.map(\.code) == [.connectionFailed])
                #expect(result.earlierFailures.first?.responderURL == "http://127.0.0.1:\(deadPort)/")
            }
        }
        withExtendedLifetime(dead) {}
    }
}

/// HTTP-level faults, from a scriptable server: each a distinct error naming responder and serial.
@Suite struct FetchFaultTests {
    static let serial = "1000ABCD"
    static let der: [UInt8] = [0x30, 0x03, 0x02, 0x01, 0x01]

    func fetchError(
        _ configuration: OCSPFetchConfiguration = OCSPFetchConfiguration(proxies: .none),
        _ handler: @escaping @Sendable (RecordedRequest) -> TestHTTPAction
    ) async throws -> OCSPFetchError? {
        try await withTestHTTPServer(handler: handler) { server in
            try await withFetcher(configuration) { fetcher -> OCSPFetchError? in
                do {
                    _ = try await fetcher.fetch(
                        derRequest: Self.der, urls: [server.url(path: "/ocsp")], serialNumberHex: Self.serial)
                    return nil
                } catch let error as OCSPFetchError {
                    #expect(error.responderURL == server.url(path: "/ocsp"))
                    #expect(error.serialNumberHex == Self.serial)
                    #expect(
                        error.description.contains(server.url(path: "/ocsp")) && error.description.contains(Self.serial)
                    )
                    return error
                } catch {
                    Issue.record("not an OCSPFetchError: \(error)")
                    return nil
                }
            }
        }
    }

    @Test func http500() async throws {
        let error = try await fetchError { _ in
            .respond(status: 500, headers: [("Content-Type", "text/plain")], body: Array("oops".utf8))
        }
        #expect(error?.code == .httpStatus)
        #expect(error?.httpStatus == 500)
    }

    @Test func emptyBody() async throws {
        #expect(try await fetchError { _ in .ocsp([]) }?.code == .emptyBody)
    }

    @Test func wrongContentType() async throws {
        let error = try await fetchError { _ in
            .respond(status: 200, headers: [("Content-Type", "text/html")], body: [0x30, 0x00])
        }
        #expect(error?.code == .wrongContentType)
        #expect(error?.reason.contains("text/html") == true)
    }

    @Test func missingContentType() async throws {
        #expect(
            try await fetchError { _ in .respond(status: 200, headers: [], body: [0x30, 0x00]) }?.code
                == .wrongContentType)
    }

    @Test func bodyOverTheCapIsRejected() async throws {
        let configuration = OCSPFetchConfiguration(maximumResponseSize: 1024, proxies: .none)
        let error = try await fetchError(configuration) { _ in .ocsp([UInt8](repeating: 0x30, count: 1025)) }
        #expect(error?.code == .bodyTooLarge)
    }

    @Test func bodyAtTheCapIsAccepted() async throws {
        let configuration = OCSPFetchConfiguration(maximumResponseSize: 1024, proxies: .none)
        #expect(try await fetchError(configuration) { _ in .ocsp([UInt8](repeating: 0x30, count: 1024)) } == nil)
    }

    @Test func aResponderThatNeverAnswersHitsTheDeadline() async throws {
        let configuration = OCSPFetchConfiguration(attemptTimeout: 0.5, proxies: .none)
        #expect(try await fetchError(configuration) { _ in .hang }?.code == .timedOut)
    }

    @Test func aClosedConnectionIsAConnectionFailure() async throws {
        #expect(try await fetchError { _ in .close }?.code == .connectionFailed)
    }

    @Test func notListening() async throws {
        let closed = try ClosedPort()
        defer { withExtendedLifetime(closed) {} }
        let port = closed.port
        _ = try await withFetcher { fetcher in
            await #expect(throws: OCSPFetchError(.connectionFailed, responderURL: nil, serialNumberHex: "", reason: ""))
            {
                _ = try await fetcher.fetch(
                    derRequest: Self.der, urls: ["http://127.0.0.1:\(port)/"], serialNumberHex: Self.serial)
            }
        }
    }

    @Test func requestHeadersFollowRFC5019() async throws {
        try await withTestHTTPServer(handler: { _ in .ocsp([0x30, 0x00]) }) { server in
            try await withFetcher(OCSPFetchConfiguration(maximumGETBase64Length: 0, proxies: .none)) { fetcher in
                _ = try await fetcher.fetch(derRequest: Self.der, urls: [server.url()], serialNumberHex: Self.serial)
            }
            let post = try #require(server.requests.first)
            #expect(post.method == "POST")
            #expect(post.header("Content-Type") == "application/ocsp-request")
            #expect(post.header("Accept") == "application/ocsp-response")
            #expect(post.body == Self.der)
            #expect(post.header("Host") == "127.0.0.1:\(server.port)")
        }
    }

    @Test func redirectsAreFollowedUpToTheBound() async throws {
        try await withTestHTTPServer(handler: { request in
            if request.uri.hasPrefix("/old") {
                return .respond(status: 302, headers: [("Location", "/new" + request.uri.dropFirst(4))], body: [])
            }
            return .ocsp([0x30, 0x00])
        }) { server in
            try await withFetcher { fetcher in
                let result = try await fetcher.fetch(
                    derRequest: Self.der, urls: [server.url(path: "/old")], serialNumberHex: Self.serial)
                #expect(result.finalURL.contains("/new/"))
                #expect(result.responseBytes == [0x30, 0x00])
            }
        }
        let loop = try await fetchError { request in
            .respond(status: 307, headers: [("Location", request.uri)], body: [])
        }
        #expect(loop?.code == .redirects)
    }

    @Test func httpProxyIsUsedAndNoProxyBypassesIt() async throws {
        // async-http-client tunnels through the proxy with CONNECT; this proxy refuses, so the
        // fetch fails, but the proxy saw the responder's name: it was not resolved here.
        try await withTestHTTPServer(handler: { _ in .respond(status: 403, headers: [], body: []) }) { proxy in
            let settings = ProxySettings.fromEnvironment(["http_proxy": "http://127.0.0.1:\(proxy.port)"])
            _ = try await withFetcher(OCSPFetchConfiguration(proxies: settings)) { fetcher in
                await #expect(throws: OCSPFetchError.self) {
                    _ = try await fetcher.fetch(
                        derRequest: Self.der, urls: ["http://ocsp.nowhere.test/"], serialNumberHex: Self.serial)
                }
            }
            let seen = try #require(proxy.requests.first)
            #expect(seen.method == "CONNECT")
            #expect(seen.uri == "ocsp.nowhere.test:80")

            try await withTestHTTPServer(handler: { _ in .ocsp([0x30, 0x01]) }) { origin in
                let bypass = ProxySettings.fromEnvironment([
                    "http_proxy": "http://127.0.0.1:\(proxy.port)", "no_proxy": "127.0.0.1",
                ])
                try await withFetcher(OCSPFetchConfiguration(proxies: bypass)) { fetcher in
                    let result = try await fetcher.fetch(
                        derRequest: Self.der, urls: [origin.url()], serialNumberHex: Self.serial)
                    #expect(result.responseBytes == [0x30, 0x01])
                }
                #expect(origin.requests.count == 1)
                #expect(proxy.requests.count == 1)
            }
        }
    }
}

/// The responder moves: the host name resolves to another loopback address between two fetches.
@Suite struct MovedResponderTests {
    @Test func theNextFetchFollowsTheNewAddress() async throws {
        let port = try SystemTools.freePort()
        let directory = try TemporaryDirectory.make(prefix: "hosts")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let hosts = "\(directory)/hosts"
        try "127.0.0.2 ocsp.moving.test\n".write(toFile: hosts, atomically: true, encoding: .utf8)
        let resolver = HostsFileResolver(path: hosts)
        try await withTestHTTPServer(host: "127.0.0.2", port: port, handler: { _ in .ocsp([0x30, 0x02]) }) { old in
            try await withTestHTTPServer(host: "127.0.0.3", port: port, handler: { _ in .ocsp([0x30, 0x03]) }) { new in
                try await withFetcher(resolver: resolver) { fetcher in
                    let url = "http://ocsp.moving.test:\(port)/"
                    let first = try await fetcher.fetch(
                        derRequest: FetchFaultTests.der, urls: [url], serialNumberHex: "01")
                    #expect(first.connectedAddress == "127.0.0.2")
                    #expect(first.responseBytes == [0x30, 0x02])

                    try "127.0.0.3 ocsp.moving.test\n".write(toFile: hosts, atomically: true, encoding: .utf8)
                    let second = try await fetcher.fetch(
                        derRequest: FetchFaultTests.der, urls: [url], serialNumberHex: "01")
                    #expect(second.connectedAddress == "127.0.0.3")
                    #expect(second.responseBytes == [0x30, 0x03])
                }
                #expect(old.requests.count == 1)
                #expect(new.requests.count == 1)
                #expect(new.requests.first?.header("Host") == "ocsp.moving.test:\(port)")
            }
        }
    }
}
