import Foundation
import OCSPCore
import OCSPResponder
import Testing
import X509
import StapleTestSupport

/// Bounded, keep-alive, and never blocked or crashed by a slow, hostile or broken client.
@Suite("HTTP front: limits and hostile clients")
struct RobustnessTests {
    struct Fixture {
        let ca: OpenSSLCA
        let leaf: String
        let request: [UInt8]
        let responder: RunningResponder

        init(limits: ResponderLimits = ResponderLimits()) async throws {
            ca = try OpenSSLCA(name: "robust")
            leaf = try ca.issue("leaf")
            let issuer = try ca.certificate(ca.caPath)
            request = try OCSPRequest(
                tbsRequest: TBSRequest(requestList: [
                    Request(reqCert: try CertID(certificate: try ca.certificate(leaf), issuer: issuer))
                ])
            ).derBytes()
            responder = try await RunningResponder([ca.files], limits: limits)
        }

        /// A fresh client's GET is answered 200 with a good response.
        func answersAnotherClient() throws -> Bool {
            let response = try RawHTTPConnection(port: responder.port).request("GET", request.ocspGetPath)
            return response.status == 200 && response.body.count > 100
        }

        func tearDown() async {
            await responder.stop()
            ca.remove()
        }
    }

    static let shortLimits = ResponderLimits(requestTimeout: 0.5, idleTimeout: 0.5, maximumConnections: 8)

    @Test func keepAliveAnswersManyRequestsOnOneConnectionWithTheSameBytes() async throws {
        let fixture = try await Fixture()
        let connection = try RawHTTPConnection(port: fixture.responder.port)
        let first = try connection.request("GET", fixture.request.ocspGetPath)
        for _ in 0..<50 {
            let response = try connection.request("GET", fixture.request.ocspGetPath)
            #expect(response.status == 200)
            #expect(response.body == first.body)
            #expect(response.header("Connection") == nil)
        }
        // The RFC 5019 headers over the wire, and a 304 that leaves the connection usable.
        #expect(first.header("Cache-Control") == "max-age=3600, public, no-transform, must-revalidate")
        #expect(first.header("Last-Modified") != nil && first.header("Expires") != nil)
        let etag = try #require(first.header("ETag"))
        let revalidated = try connection.request("GET", fixture.request.ocspGetPath, headers: [("If-None-Match", etag)])
        #expect(revalidated.status == 304)
        #expect(revalidated.body.isEmpty)
        #expect(revalidated.header("ETag") == etag)
        #expect(revalidated.header("Transfer-Encoding") == nil)
        let post = try connection.request(
            "POST", "/", headers: [("Content-Type", "application/ocsp-request")], body: fixture.request)
        #expect(post.body == first.body)
        let last = try connection.request("GET", fixture.request.ocspGetPath, close: true)
        #expect(last.header("Connection") == "close")
        #expect(connection.isClosedByPeer())
        await fixture.tearDown()
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let fixture = try await Fixture()
        let connection = try RawHTTPConnection(port: fixture.responder.port)
        let get = "GET \(fixture.request.ocspGetPath) HTTP/1.1\r\nHost: x\r\n\r\n"
        try connection.send(get + "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n" + get)
        #expect(try connection.readResponse().status == 200)
        #expect(try connection.readResponse().status == 405)
        #expect(try connection.readResponse().status == 200)
        await fixture.tearDown()
    }

    @Test func garbageGets400AndAClosedConnectionWhileOthersAreAnswered() async throws {
        let fixture = try await Fixture()
        let connection = try RawHTTPConnection(port: fixture.responder.port)
        try connection.send([0x16, 0x03, 0x01, 0x00, 0xA5, 0x01] + Array("\r\n\r\nnot http at all\r\n\r\n".utf8))
        let response = try connection.readResponse()
        #expect(response.status == 400)
        #expect(connection.isClosedByPeer())
        #expect(try fixture.answersAnotherClient())
        await fixture.tearDown()
    }

    @Test func randomBodiesAreMalformedRequestsAndNeverACrash() async throws {
        let fixture = try await Fixture()
        let connection = try RawHTTPConnection(port: fixture.responder.port)
        var generator = SystemRandomNumberGenerator()
        for round in 0..<200 {
            var body = (0..<Int.random(in: 1...300, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            if round % 2 == 0 { body = Array(fixture.request.prefix(Int.random(in: 0..<fixture.request.count))) + body }
            let response = try connection.request(
                "POST", "/", headers: [("Content-Type", "application/ocsp-request")], body: body)
            #expect(response.status == 200)
            #expect(try OCSPResponse(derBytes: response.body).status == .malformedRequest)
        }
        #expect(try fixture.answersAnotherClient())
        await fixture.tearDown()
    }

    @Test func anOversizedBodyGets413AndAClosedConnection() async throws {
        let fixture = try await Fixture()
        let connection = try RawHTTPConnection(port: fixture.responder.port)
        let response = try connection.request(
            "POST", "/", headers: [("Content-Type", "application/ocsp-request")],
            body: [UInt8](repeating: 0x30, count: 100_000))
        #expect(response.status == 413)
        #expect(response.header("Connection") == "close")
        #expect(connection.isClosedByPeer())
        // Chunked, without a length: the limit applies as the bytes come.
        let chunked = try RawHTTPConnection(port: fixture.responder.port)
        let chunk = String(repeating: "A", count: 8192)
        try chunked.send(
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2000\r\n\(chunk)\r\n2000\r\n\(chunk)\r\n0\r\n\r\n"
        )
        #expect(try chunked.readResponse().status == 413)
        #expect(try fixture.answersAnotherClient())
        await fixture.tearDown()
    }

    @Test func oversizedHeadersGet400AndAClosedConnection() async throws {
        let fixture = try await Fixture()
        let connection = try RawHTTPConnection(port: fixture.responder.port)
        let response = try connection.request(
            "GET", fixture.request.ocspGetPath, headers: [("X-Filler", String(repeating: "x", count: 100_000))])
        #expect(response.status == 400)
        #expect(connection.isClosedByPeer())
        #expect(try fixture.answersAnotherClient())
        await fixture.tearDown()
    }

    @Test func slowClientsAreCutOffAndNeverBlockOthers() async throws {
        let fixture = try await Fixture(limits: Self.shortLimits)
        // One drips a request head and stops; one sends a head and half a body and stops.
        let dripping = try RawHTTPConnection(port: fixture.responder.port)
        try dripping.send("GET /MEMw")
        let stalling = try RawHTTPConnection(port: fixture.responder.port)
        try stalling.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
        #expect(try fixture.answersAnotherClient(), "a slow client blocked another")
        #expect(dripping.isClosedByPeer(), "the dripping client was not cut off")
        #expect(stalling.isClosedByPeer(), "the stalled body was not cut off")
        #expect(try fixture.answersAnotherClient())
        await fixture.tearDown()
    }

    @Test func connectionsThatOpenAndCloseWithoutARequestChangeNothing() async throws {
        let fixture = try await Fixture()
        for _ in 0..<50 { _ = try RawHTTPConnection(port: fixture.responder.port) }
        #expect(try fixture.answersAnotherClient())
        let result = try SystemTools.execute(
            "openssl",
            [
                "ocsp", "-url", fixture.responder.url, "-issuer", fixture.ca.caPath, "-cert", fixture.leaf, "-CAfile",
                fixture.ca.caPath,
            ])
        #expect(result.stdout.contains("\(fixture.leaf): good"), "\(result)")
        let drained = await eventually { fixture.responder.server.openConnections == 0 }
        #expect(drained, "\(fixture.responder.server.openConnections) connections left open")
        await fixture.tearDown()
    }

    @Test func connectionsOverTheLimitAreClosedAtOnce() async throws {
        // An idle timeout far beyond any wait here: this task can be suspended (in `eventually`)
        // for tens of seconds while other tests hold the cooperative threads, and an idle timeout
        // that fires meanwhile closes `one` and `two` (CI failed so, with 30 s).
        let fixture = try await Fixture(limits: ResponderLimits(idleTimeout: 3_600, maximumConnections: 2))
        let one = try RawHTTPConnection(port: fixture.responder.port)
        let two = try RawHTTPConnection(port: fixture.responder.port)
        let admitted = await eventually { fixture.responder.server.openConnections == 2 }
        #expect(admitted)
        let three = try RawHTTPConnection(port: fixture.responder.port)
        #expect(three.isClosedByPeer(), "a third connection was kept over a limit of 2")
        #expect(try one.request("GET", fixture.request.ocspGetPath).status == 200)
        _ = two
        await fixture.tearDown()
    }

    @Test func drainingFinishesTheRequestInFlightAndClosesIdleConnections() async throws {
        let fixture = try await Fixture()
        let idle = try RawHTTPConnection(port: fixture.responder.port)
        #expect(try idle.request("GET", fixture.request.ocspGetPath).status == 200)
        await fixture.responder.stop()
        #expect(idle.isClosedByPeer())
        #expect(throws: (any Error).self) { try RawHTTPConnection(port: fixture.responder.port) }
        fixture.ca.remove()
    }
}
