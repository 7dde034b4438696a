import Foundation
import Testing

@testable import OCSPFetching

@Suite struct RequestEncodingTests {
    @Test func smallRequestsUseGETWithAPercentEncodedPathSegment() {
        // 0xfb 0xff 0xfe encodes to "+//+": every reserved base64 character must be escaped.
        let der: [UInt8] = [0x30, 0x03, 0xfb, 0xff, 0xfe]
        let request = OCSPHTTPRequest(derRequest: der, responderURL: "http://ocsp.example.net")
        #expect(request.method == .get)
        #expect(request.url == "http://ocsp.example.net/MAP7%2F%2F4%3D")
        #expect(request.body.isEmpty)
    }

    @Test func aTrailingSlashIsNotDoubled() {
        let request = OCSPHTTPRequest(derRequest: [0x30, 0x00], responderURL: "http://ocsp.example.net/ocsp/")
        #expect(request.url == "http://ocsp.example.net/ocsp/MAA%3D")
    }

    // 189 bytes encode to 252 base64 bytes (GET); 190 bytes to 256 (POST): the rule is on the base64 length.
    @Test(arguments: [(189, OCSPHTTPMethod.get), (190, .post)])
    func theBoundaryIs255Base64Bytes(length: Int, expected: OCSPHTTPMethod) {
        let der = [UInt8](repeating: 0x41, count: length)
        let request = OCSPHTTPRequest(derRequest: der, responderURL: "http://r.test")
        #expect(request.method == expected)
        if expected == .post {
            #expect(request.url == "http://r.test")
            #expect(request.body == der)
        }
    }

    @Test func theLimitIsInclusive() {
        // 12 bytes -> 16 base64 bytes: at the limit, GET; 13 bytes -> 20: over it, POST.
        let get = OCSPHTTPRequest(
            derRequest: [UInt8](repeating: 1, count: 12), responderURL: "http://r.test", maximumGETBase64Length: 16)
        #expect(get.method == .get)
        let post = OCSPHTTPRequest(
            derRequest: [UInt8](repeating: 1, count: 13), responderURL: "http://r.test", maximumGETBase64Length: 16)
        #expect(post.method == .post)
    }

    @Test func zeroForcesPOST() {
        #expect(
            OCSPHTTPRequest(derRequest: [0x30, 0x00], responderURL: "http://r.test", maximumGETBase64Length: 0).method
                == .post)
    }
}

@Suite struct ProxySettingsTests {
    @Test func readsTheEnvironmentLikeCurl() {
        let settings = ProxySettings.fromEnvironment([
            "http_proxy": "http://proxy.test:3128", "HTTPS_PROXY": "secure.test:8443",
            "no_proxy": " .internal.test, ocsp.example.net ,10.0.0.1",
        ])
        #expect(settings.httpProxy == .init(host: "proxy.test", port: 3128))
        #expect(settings.httpsProxy == .init(host: "secure.test", port: 8443))
        #expect(settings.proxy(scheme: "http", host: "ocsp.digicert.test") == .init(host: "proxy.test", port: 3128))
        #expect(settings.proxy(scheme: "https", host: "ocsp.digicert.test") == .init(host: "secure.test", port: 8443))
        #expect(settings.proxy(scheme: "http", host: "a.internal.test") == nil)
        #expect(settings.proxy(scheme: "http", host: "internal.test") == nil)
        #expect(settings.proxy(scheme: "http", host: "OCSP.example.net") == nil)
        #expect(settings.proxy(scheme: "http", host: "notexample.net") != nil)
        #expect(settings.proxy(scheme: "http", host: "10.0.0.1") == nil)
    }

    @Test func upperCaseHTTPProxyIsIgnoredAndStarBypassesAll() {
        #expect(ProxySettings.fromEnvironment(["HTTP_PROXY": "http://proxy.test:3128"]).httpProxy == nil)
        let all = ProxySettings.fromEnvironment(["http_proxy": "http://proxy.test:3128", "no_proxy": "*"])
        #expect(all.proxy(scheme: "http", host: "anything.test") == nil)
    }
}

@Suite struct HostsFileTests {
    @Test func parsesHostsFormat() {
        let table = HostsFileResolver.parse(
            """
            # comment
            127.0.0.2   ocsp.test  alias.test # trailing
            ::1\tocsp.test
            bad-line
            """)
        #expect(table["ocsp.test"] == ["127.0.0.2", "::1"])
        #expect(table["alias.test"] == ["127.0.0.2"])
        #expect(table["bad-line"] == nil)
    }
}
