import Foundation
import NIOCore
import OCSPCore
import SwiftASN1
import Testing
import X509

@testable import OCSPResponder

/// Request bytes in, HTTP status, headers and response bytes out: no socket, clock injected.
@Suite("request handling (pure)")
struct RequestHandlerTests {
    let pki: MemoryPKI
    let good: Certificate
    let revoked: Certificate
    let absent: Certificate
    let snapshot: ResponderSnapshot
    let revokedAt = Date(timeIntervalSince1970: 1_780_000_000)

    init() throws {
        pki = try MemoryPKI()
        good = try pki.leaf(serial: [0x10, 0x01]).0
        revoked = try pki.leaf(serial: [0x10, 0x02]).0
        absent = try pki.leaf(serial: [0x10, 0x03]).0
        snapshot = try pki.snapshot(
            index: CertificateIndex(entries: [
                entry([0x10, 0x01]), entry([0x10, 0x02], .revoked, revoked: revokedAt, reason: .keyCompromise),
            ]))
    }

    func answer(
        _ request: ResponderRequest, in snapshot: ResponderSnapshot? = nil, at now: Date? = nil
    )
        -> ResponderAnswer
    {
        RequestHandler.answer(request, snapshot: snapshot ?? self.snapshot, now: now ?? pki.now.addingTimeInterval(5))
    }

    func post(_ der: [UInt8]) -> ResponderRequest {
        ResponderRequest(method: "POST", uri: "/", contentType: "application/ocsp-request", body: der)
    }

    func verdict(_ answer: ResponderAnswer, for certificate: Certificate, nonce: [UInt8]? = nil) -> OCSPVerdict {
        OCSPVerifier().verify(
            response: Array(answer.body.readableBytesView), certificate: certificate, issuer: pki.ca, nonce: nonce,
            now: pki.now.addingTimeInterval(10)
        ).verdict
    }

    func ocspStatus(_ answer: ResponderAnswer) throws -> OCSPResponseStatus {
        try OCSPResponse(derBytes: Array(answer.body.readableBytesView)).status
    }

    @Test func answersGoodAndRevokedFromTheCacheSigningNothing() throws {
        for hash in [OCSPHashAlgorithm.sha1, .sha256] {
            let goodAnswer = answer(post(try pki.request([good], hash: hash)))
            #expect(goodAnswer.status == 200)
            #expect(goodAnswer.outcome == .cached)
            #expect(goodAnswer.signed == 0)
            #expect(verdict(goodAnswer, for: good) == .good)
            let revokedAnswer = answer(post(try pki.request([revoked], hash: hash)))
            #expect(revokedAnswer.outcome == .cached)
            #expect(verdict(revokedAnswer, for: revoked) == .revoked(time: revokedAt, reason: .keyCompromise))
        }
    }

    @Test func aSerialNotInTheIndexIsUnknown() throws {
        let answer = answer(post(try pki.request([absent])))
        #expect(answer.outcome == .signed)
        #expect(verdict(answer, for: absent) == .unknown)
    }

    @Test func anIssuerNotServedIsUnauthorized() throws {
        let other = try MemoryPKI(name: "Other CA")
        let stranger = try other.leaf(serial: [0x10, 0x01]).0
        let answer = answer(post(try other.request([stranger])))
        #expect(answer.status == 200)
        #expect(answer.outcome == .unauthorized)
        #expect(try ocspStatus(answer) == .unauthorized)
        #expect(answer.header("Cache-Control") == "max-age=0, no-cache")
        // One foreign CertID among served ones: the whole request is unauthorized.
        let mixed = try OCSPRequest(
            tbsRequest: TBSRequest(requestList: [
                Request(reqCert: try CertID(certificate: good, issuer: pki.ca)),
                Request(reqCert: try CertID(certificate: stranger, issuer: other.ca)),
            ])
        ).derBytes()
        #expect(self.answer(post(mixed)).outcome == .unauthorized)
    }

    @Test(arguments: [[UInt8](), [0x30, 0x03, 0x02, 0x01], Array("GET / HTTP/1.1".utf8), [0x30, 0x00]])
    func undecodableRequestsAreMalformed(body: [UInt8]) throws {
        let answer = answer(post(body))
        #expect(answer.status == 200)
        #expect(answer.outcome == .malformed)
        #expect(try ocspStatus(answer) == .malformedRequest)
        #expect(answer.header("Cache-Control") == "max-age=0, no-cache")
    }

    @Test func aRequestWithTrailingBytesIsMalformed() throws {
        #expect(answer(post(try pki.request([good]) + [0x00])).outcome == .malformed)
    }

    @Test func anEmptyRequestListIsMalformed() throws {
        let empty = try OCSPRequest(tbsRequest: TBSRequest(requestList: [])).derBytes()
        #expect(answer(post(empty)).outcome == .malformed)
    }

    @Test func severalCertificatesAreAnsweredInOneResponse() throws {
        let answer = answer(post(try pki.request([good, revoked, absent], hash: .sha256)))
        #expect(answer.outcome == .signed)
        guard case .successful(let bytes) = try OCSPResponse(derBytes: Array(answer.body.readableBytesView)) else {
            Issue.record("not successful")
            return
        }
        let statuses = try bytes.basicResponse().tbsResponseData.responses.map(\.certStatus.name)
        #expect(statuses == ["good", "revoked", "unknown"])
        for certificate in [good, revoked, absent] {
            #expect(verdict(answer, for: certificate) != .noStatus)
        }
    }

    @Test func aNonceIsEchoedInAFreshlySignedResponse() throws {
        let nonce: [UInt8] = Array(0..<16)
        let answer = answer(post(try pki.request([good], nonce: nonce)))
        #expect(answer.outcome == .signed)
        #expect(answer.signed == 1)
        #expect(verdict(answer, for: good, nonce: nonce) == .good)
        #expect(answer.header("ETag") == nil)
        #expect(answer.header("Cache-Control") == "no-store")
    }

    @Test(arguments: [0, 129])
    func aNonceOutsideOneTo128OctetsIsMalformed(length: Int) throws {
        let request = post(try pki.request([good], nonce: [UInt8](repeating: 7, count: length)))
        #expect(answer(request).outcome == .malformed)
    }

    @Test func noncePolicies() throws {
        let nonce: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        var ignoring = snapshot
        ignoring.policy.nonce = .ignore
        let ignored = answer(post(try pki.request([good], nonce: nonce)), in: ignoring)
        #expect(ignored.outcome == .cached)
        var requiring = snapshot
        requiring.policy.nonce = .require
        #expect(answer(post(try pki.request([good])), in: requiring).outcome == .malformed)
        let required = answer(post(try pki.request([good], nonce: nonce)), in: requiring)
        #expect(required.outcome == .signed)
        #expect(verdict(required, for: good, nonce: nonce) == .good)
    }

    @Test func getAcceptsEscapedAndRawBase64AndADoubledSlash() throws {
        let der = try pki.request([good])
        let base64 = Data(der).base64EncodedString()
        let paths = [
            der.ocspGetPath, "/" + base64, "//" + base64, "/" + base64.replacingOccurrences(of: "=", with: ""),
            "/" + base64.replacingOccurrences(of: "+", with: "%2b").replacingOccurrences(of: "/", with: "%2f"),
        ]
        let expected = answer(post(der))
        for path in paths {
            let answer = answer(ResponderRequest(method: "GET", uri: path))
            #expect(answer.outcome == .cached, "\(path)")
            #expect(answer.body == expected.body, "\(path)")
        }
        // Not base64, bad escapes, nothing at all: malformedRequest.
        for path in ["/", "/%zz", "/!!!!", "/M"] {
            #expect(answer(ResponderRequest(method: "GET", uri: path)).outcome == .malformed, "\(path)")
        }
    }

    @Test func rfc5019CachingHeadersOnASuccessfulAnswer() throws {
        let now = pki.now.addingTimeInterval(100)
        let answer = answer(post(try pki.request([good])), at: now)
        #expect(answer.header("Content-Type") == "application/ocsp-response")
        // max-age: seconds until nextUpdate, capped at --refresh (1 h by default).
        #expect(answer.header("Cache-Control") == "max-age=3600, public, no-transform, must-revalidate")
        #expect(answer.header("Last-Modified") == HTTPDate.format(pki.now))
        #expect(
            answer.header("Expires") == HTTPDate.format(pki.now.addingTimeInterval(ResponderPolicy.defaultValidity)))
        let etag = try #require(answer.header("ETag"))
        #expect(etag.hasPrefix("\"") && etag.hasSuffix("\"") && etag.count == 34)
        // Near nextUpdate, max-age is what is left.
        let late = self.answer(post(try pki.request([good])), at: pki.now.addingTimeInterval(86_400 - 42))
        #expect(late.header("Cache-Control") == "max-age=42, public, no-transform, must-revalidate")
    }

    @Test func conditionalRequestsGet304() throws {
        let der = try pki.request([good])
        let first = answer(ResponderRequest(method: "GET", uri: der.ocspGetPath))
        let etag = try #require(first.header("ETag"))
        let revalidated = answer(ResponderRequest(method: "GET", uri: der.ocspGetPath, ifNoneMatch: etag))
        #expect(revalidated.status == 304)
        #expect(revalidated.outcome == .notModified)
        #expect(revalidated.body.readableBytes == 0)
        #expect(revalidated.header("ETag") == etag)
        let other = answer(ResponderRequest(method: "GET", uri: der.ocspGetPath, ifNoneMatch: "\"abc\""))
        #expect(other.status == 200)
        let since = answer(
            ResponderRequest(method: "GET", uri: der.ocspGetPath, ifModifiedSince: first.header("Last-Modified")))
        #expect(since.status == 304)
        let before = answer(
            ResponderRequest(
                method: "GET", uri: der.ocspGetPath, ifModifiedSince: HTTPDate.format(pki.now.addingTimeInterval(-60))))
        #expect(before.status == 200)
    }

    @Test func theETagIsStableUntilTheResponseIsSignedAgain() throws {
        let der = try pki.request([good])
        let one = answer(post(der)).header("ETag")
        let two = answer(post(der), at: pki.now.addingTimeInterval(600)).header("ETag")
        #expect(one == two)
        var state = snapshot.authorities[0]
        let later = pki.now.addingTimeInterval(3600)
        let plan = PresignPlan(index: state.index, cache: state.cache, now: later, refresh: 3600)
        try Presigner.apply(plan, to: &state, now: later, validity: 86_400)
        var resigned = snapshot
        resigned.authorities[0] = state
        #expect(answer(post(der), in: resigned, at: later).header("ETag") != one)
    }

    @Test func otherMethodsMediaTypesAndSizes() throws {
        let put = answer(ResponderRequest(method: "PUT", uri: "/"))
        #expect(put.status == 405)
        #expect(put.header("Allow") == "GET, POST")
        #expect(put.header("Cache-Control") == "max-age=0, no-cache")
        let json = answer(ResponderRequest(method: "POST", uri: "/", contentType: "application/json", body: [1]))
        #expect(json.status == 415)
        let big = answer(post([UInt8](repeating: 0x30, count: ResponderPolicy.defaultMaximumRequestSize + 1)))
        #expect(big.status == 413)
    }

    @Test func httpDatesRoundTrip() {
        let date = Date(timeIntervalSince1970: 784_111_777)
        #expect(HTTPDate.format(date) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == date)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == nil)
    }

    @Test func aDelegatedSignerMustBeIssuedByTheCAForOCSPSigning() throws {
        let (responder, key) = try pki.leaf(serial: [0x55], purpose: .ocspSigning)
        let delegated = try Authority(
            issuer: pki.ca, signer: .delegated(certificate: responder, privateKey: key), name: "d")
        #expect(delegated.signer.embeddedCertificates == [responder])
        let (server, serverKey) = try pki.leaf(serial: [0x56])
        #expect(throws: ResponderError(.unauthorizedSigner, "")) {
            try Authority(
                issuer: pki.ca, signer: .delegated(certificate: server, privateKey: serverKey), name: "s")
        }
        #expect(throws: ResponderError(.unusableKey, "")) {
            try Authority(
                issuer: pki.ca, signer: .delegated(certificate: responder, privateKey: serverKey), name: "k")
        }
    }
}

@Suite("responder state: the memo of responses signed on request")
struct ResponderStateTests {
    final class Clock: @unchecked Sendable {
        // @unchecked: set by the test between calls, read by the state on the same task.
        var now: Date
        init(_ now: Date) { self.now = now }
    }

    @Test func aSerialNotInTheIndexIsSignedOnceNotOnEveryRequest() throws {
        let pki = try MemoryPKI()
        let clock = Clock(pki.now)
        let snapshot = try pki.snapshot(index: CertificateIndex(entries: [entry([0x10, 0x01])]))
        let state = ResponderState(snapshot: snapshot, clock: { clock.now })
        let absent = try pki.leaf(serial: [0x66, 0x01]).0
        let request = ResponderRequest(
            method: "POST", uri: "/", contentType: "application/ocsp-request", body: try pki.request([absent]))
        let first = state.answer(request)
        #expect(first.outcome == .signed)
        clock.now = pki.now.addingTimeInterval(60)
        let second = state.answer(request)
        #expect(second.outcome == .cached)
        #expect(second.body == first.body)
        // No older than a pre-signed response may be: at --refresh, signed again.
        clock.now = pki.now.addingTimeInterval(ResponderPolicy.defaultRefresh)
        #expect(state.answer(request).outcome == .signed)
        // A new snapshot (an index reload) forgets them.
        var next = snapshot
        next.generation += 1
        state.publish(next)
        #expect(state.answer(request).outcome == .signed)
        // With a nonce, every request is signed.
        let nonced = ResponderRequest(
            method: "POST", uri: "/", contentType: "application/ocsp-request",
            body: try pki.request([absent], nonce: [1, 2, 3, 4]))
        #expect(state.answer(nonced).outcome == .signed)
        #expect(state.answer(nonced).outcome == .signed)
    }

    @Test func aRepeatedGetIsAnsweredFromItsTargetUntilTheSnapshotChanges() throws {
        let pki = try MemoryPKI()
        let clock = Clock(pki.now)
        let index = CertificateIndex(entries: [entry([0x10, 0x01])])
        let snapshot = try pki.snapshot(index: index)
        let state = ResponderState(snapshot: snapshot, clock: { clock.now })
        let leaf = try pki.leaf(serial: [0x10, 0x01]).0
        let get = ResponderRequest(method: "GET", uri: try pki.request([leaf]).ocspGetPath)
        let first = state.answer(get)
        let second = state.answer(get)
        #expect(second.outcome == .cached)
        #expect(second.body == first.body)
        var conditional = get
        conditional.ifNoneMatch = first.header("ETag")
        #expect(state.answer(conditional).status == 304)

        // A revocation published: the same GET target now says revoked.
        let revokedAt = Date(timeIntervalSince1970: pki.now.timeIntervalSince1970.rounded(.down) + 1)
        var revoked = snapshot.authorities[0]
        revoked.index = CertificateIndex(entries: [
            entry([0x10, 0x01], .revoked, revoked: revokedAt, reason: .keyCompromise)
        ])
        let plan = PresignPlan(index: revoked.index, cache: revoked.cache, now: revokedAt, refresh: 3600)
        try Presigner.apply(plan, to: &revoked, now: revokedAt, validity: 86_400)
        var next = snapshot
        next.authorities[0] = revoked
        next.generation += 1
        state.publish(next)
        let after = state.answer(get)
        let verdict = OCSPVerifier().verify(
            response: Array(after.body.readableBytesView), certificate: leaf, issuer: pki.ca, now: revokedAt
        ).verdict
        #expect(verdict == .revoked(time: revokedAt, reason: .keyCompromise))
        #expect(state.answer(conditional).status == 200, "the old ETag no longer matches")
    }
}
