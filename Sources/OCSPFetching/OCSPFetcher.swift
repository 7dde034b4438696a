import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import OCSPCore
import X509

/// Fetches OCSP responses over HTTP with async-http-client (RFC 6960 Appendix A, RFC 5019 §5).
///
/// Each attempt: GET when the base64 request is at most 255 bytes, POST otherwise; one deadline for
/// the whole attempt; redirects followed up to a bound; the body capped (rejected, not truncated);
/// non-200, empty bodies and wrong content types reported as distinct ``OCSPFetchError`` codes.
///
/// Addresses are never pinned: for direct `http` the fetcher resolves the host through its
/// ``HostResolver`` on every attempt and connects to the address it got (the `Host` header keeps
/// the name); pooled connections are keyed by that address, so a moved responder is followed on
/// the next attempt. `https` and proxied requests are resolved by async-http-client and sent with
/// `Connection: close`, so each attempt makes a fresh connection and a fresh lookup.
///
/// Proxies: async-http-client tunnels every proxied request with `CONNECT host:port`, plain http
/// included, so the proxy must allow CONNECT to the responder's port (often 80; Squid's default
/// `SSL_ports` ACL refuses that).
///
/// - Important: call ``shutdown()`` before releasing the fetcher.
package final class OCSPFetcher: Sendable {
    package let configuration: OCSPFetchConfiguration
    package let resolver: any HostResolver
    private let logger: Logger
    private let direct: HTTPClient
    private let proxied: [ProxySettings.Endpoint: HTTPClient]

    /// - Parameters:
    ///   - resolver: how host names become addresses, asked for each attempt.
    ///   - logger: where attempts and failures are logged (`ocsp.responder`, `cert.serial`).
    package init(
        configuration: OCSPFetchConfiguration = OCSPFetchConfiguration(),
        resolver: any HostResolver = SystemHostResolver(),
        logger: Logger
    ) {
        self.configuration = configuration
        self.resolver = resolver
        self.logger = logger
        self.direct = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: Self.clientConfiguration(configuration, proxy: nil))
        var proxied: [ProxySettings.Endpoint: HTTPClient] = [:]
        for endpoint in [configuration.proxies.httpProxy, configuration.proxies.httpsProxy].compactMap({ $0 })
        where proxied[endpoint] == nil {
            proxied[endpoint] = HTTPClient(
                eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                configuration: Self.clientConfiguration(configuration, proxy: endpoint)
            )
        }
        self.proxied = proxied
    }

    private static func clientConfiguration(
        _ configuration: OCSPFetchConfiguration, proxy: ProxySettings.Endpoint?
    )
        -> HTTPClient.Configuration
    {
        let timeout = TimeAmount.nanoseconds(Int64(configuration.attemptTimeout * 1_000_000_000))
        var client = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: timeout, read: timeout),
            proxy: proxy.map { .server(host: $0.host, port: $0.port) },
            decompression: .disabled
        )
        client.httpVersion = .http1Only
        // Fail fast on a refused connection: the next address, the next URL or the engine's backoff
        // retries, not the connection pool until the deadline.
        client.connectionPool.retryConnectionEstablishment = false
        return client
    }

    /// Closes every connection. The fetcher cannot be used afterwards.
    package func shutdown() async throws {
        try await direct.shutdown()
        for client in proxied.values { try await client.shutdown() }
    }

    /// The responder URLs for a certificate: the override when given, otherwise its AIA OCSP URLs.
    package static func responderURLs(for certificate: Certificate, override: [String]? = nil) -> [String] {
        if let override, !override.isEmpty { return override }
        return certificate.ocspURLs
    }

    /// Asks each URL in turn until one answers with a body that passes the HTTP checks.
    ///
    /// - Parameters:
    ///   - derRequest: the DER OCSPRequest.
    ///   - urls: responder URLs in order (see ``responderURLs(for:override:)``).
    ///   - serialNumberHex: the certificate's serial, for errors and logs.
    /// - Throws: ``OCSPFetchError``: the last URL's failure (earlier ones are logged), or
    ///   ``OCSPFetchError/Code/noResponderURL`` when `urls` is empty.
    package func fetch(
        derRequest: [UInt8], urls: [String], serialNumberHex: String
    ) async throws(OCSPFetchError)
        -> OCSPFetchResult
    {
        guard !urls.isEmpty else {
            throw OCSPFetchError(
                .noResponderURL, responderURL: nil, serialNumberHex: serialNumberHex,
                reason: "the certificate has no OCSP responder URL (AIA) and none was given")
        }
        var failures: [OCSPFetchError] = []
        for url in urls {
            do {
                var result = try await fetch(derRequest: derRequest, from: url, serialNumberHex: serialNumberHex)
                result.earlierFailures = failures
                return result
            } catch {
                failures.append(error)
            }
        }
        throw failures.last!
    }

    /// One attempt to one responder URL, redirects included, within the attempt deadline.
    package func fetch(
        derRequest: [UInt8], from url: String, serialNumberHex: String
    ) async throws(OCSPFetchError)
        -> OCSPFetchResult
    {
        let request = OCSPHTTPRequest(
            derRequest: derRequest, responderURL: url, maximumGETBase64Length: configuration.maximumGETBase64Length)
        var logger = self.logger
        logger[metadataKey: "ocsp.responder"] = "\(url)"
        logger[metadataKey: "cert.serial"] = "\(serialNumberHex)"
        let attempt = Attempt(
            fetcher: self, request: request, responderURL: url, serial: serialNumberHex, logger: logger)
        do {
            let result = try await Deadline.run(seconds: configuration.attemptTimeout) { try await attempt.run() }
            logger.debug(
                "OCSP response fetched",
                metadata: [
                    "ocsp.method": "\(request.method.rawValue)", "ocsp.bytes": "\(result.responseBytes.count)",
                ])
            return result
        } catch let error as OCSPFetchError {
            logger.warning(
                "OCSP fetch failed", metadata: ["error.code": "\(error.code)", "error.reason": "\(error.reason)"])
            throw error
        } catch is Deadline.Expired {
            let error = OCSPFetchError(
                .timedOut, responderURL: url, serialNumberHex: serialNumberHex,
                reason: "no complete answer within \(configuration.attemptTimeout) s (\(request.method.rawValue))")
            logger.warning(
                "OCSP fetch failed", metadata: ["error.code": "\(error.code)", "error.reason": "\(error.reason)"])
            throw error
        } catch {
            let mapped = Attempt.map(error, url: url, serial: serialNumberHex)
            logger.warning(
                "OCSP fetch failed", metadata: ["error.code": "\(mapped.code)", "error.reason": "\(mapped.reason)"])
            throw mapped
        }
    }

    fileprivate func client(for proxy: ProxySettings.Endpoint?) -> HTTPClient {
        proxy.flatMap { proxied[$0] } ?? direct
    }
}

/// One attempt: the redirect loop and the HTTP checks.
private struct Attempt: Sendable {
    let fetcher: OCSPFetcher
    let request: OCSPHTTPRequest
    let responderURL: String
    let serial: String
    let logger: Logger

    func fail(_ code: OCSPFetchError.Code, _ reason: String, url: String? = nil, status: Int? = nil) -> OCSPFetchError {
        OCSPFetchError(
            code, responderURL: url ?? responderURL, serialNumberHex: serial, reason: reason, httpStatus: status)
    }

    func run() async throws -> OCSPFetchResult {
        let configuration = fetcher.configuration
        var currentURL = request.url
        var redirects = 0
        while true {
            guard let components = URLComponents(string: currentURL), let scheme = components.scheme?.lowercased(),
                scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
            else {
                throw fail(.invalidURL, "\(currentURL) is not an absolute http or https URL")
            }
            let (response, address) = try await send(to: currentURL, components: components, scheme: scheme, host: host)
            let status = Int(response.status.code)
            if [301, 302, 303, 307, 308].contains(status) {
                guard redirects < configuration.maximumRedirects else {
                    throw fail(
                        .redirects, "more than \(configuration.maximumRedirects) redirects (last to \(currentURL))",
                        status: status)
                }
                guard let location = response.headers.first(name: "location"),
                    let next = URL(string: location, relativeTo: URL(string: currentURL))?.absoluteString
                else {
                    throw fail(
                        .redirects, "HTTP \(status) from \(currentURL) without a usable Location", status: status)
                }
                logger.debug("OCSP responder redirects", metadata: ["http.location": "\(next)"])
                redirects += 1
                currentURL = next
                continue
            }
            guard status == 200 else {
                throw fail(
                    .httpStatus, "HTTP \(status) \(response.status.reasonPhrase) from \(currentURL)", status: status)
            }
            let contentType = response.headers.first(name: "content-type")
            guard let contentType, Self.isOCSPResponseType(contentType) else {
                throw fail(
                    .wrongContentType,
                    "Content-Type is \(contentType.map { "'\($0)'" } ?? "missing"), not application/ocsp-response")
            }
            let cap = configuration.maximumResponseSize
            if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > cap {
                throw fail(.bodyTooLarge, "Content-Length \(length) exceeds the \(cap)-byte cap")
            }
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: cap)
            } catch is NIOTooManyBytesError {
                throw fail(.bodyTooLarge, "the body exceeds the \(cap)-byte cap")
            }
            guard body.readableBytes > 0 else {
                throw fail(.emptyBody, "HTTP 200 with an empty body")
            }
            return OCSPFetchResult(
                responseBytes: Array(body.readableBytesView), responderURL: responderURL, finalURL: currentURL,
                method: request.method, connectedAddress: address, earlierFailures: []
            )
        }
    }

    /// Sends the request to `url`; direct http goes to each resolved address in turn until one connects.
    func send(
        to url: String, components: URLComponents, scheme: String, host: String
    ) async throws -> (
        HTTPClientResponse, String?
    ) {
        let proxy = fetcher.configuration.proxies.proxy(scheme: scheme, host: host)
        if proxy != nil || scheme == "https" {
            var headers = baseHeaders()
            headers.add(name: "Connection", value: "close")
            return (try await execute(url: url, headers: headers, proxy: proxy), nil)
        }
        let addresses: [String]
        if host.isIPAddressLiteral {
            addresses = [host]
        } else {
            do {
                addresses = try await fetcher.resolver.addresses(for: host)
            } catch {
                throw fail(.resolutionFailed, "\(host) did not resolve: \(error)")
            }
            guard !addresses.isEmpty else { throw fail(.resolutionFailed, "\(host) resolved to no address") }
        }
        var headers = baseHeaders()
        headers.replaceOrAdd(name: "Host", value: components.port.map { "\(host):\($0)" } ?? host)
        var lastError: (any Error)?
        for address in addresses {
            var target = components
            target.host = address.contains(":") ? "[\(address)]" : address
            guard let targetURL = target.string else { continue }
            do {
                logger.trace("OCSP connecting", metadata: ["net.peer.address": "\(address)"])
                return (try await execute(url: targetURL, headers: headers, proxy: nil), address)
            } catch {
                if error is CancellationError || Task.isCancelled { throw error }
                lastError = error
            }
        }
        throw lastError.map { Self.map($0, url: responderURL, serial: serial) }
            ?? fail(.resolutionFailed, "\(host): no usable address")
    }

    func baseHeaders() -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "Accept", value: "application/ocsp-response")
        headers.add(name: "User-Agent", value: fetcher.configuration.userAgent)
        if request.method == .post {
            headers.add(name: "Content-Type", value: "application/ocsp-request")
        }
        return headers
    }

    func execute(url: String, headers: HTTPHeaders, proxy: ProxySettings.Endpoint?) async throws -> HTTPClientResponse {
        var http = HTTPClientRequest(url: url)
        http.method = request.method == .get ? .GET : .POST
        http.headers = headers
        if request.method == .post {
            http.body = .bytes(request.body)
        }
        let timeout = TimeAmount.nanoseconds(Int64(fetcher.configuration.attemptTimeout * 1_000_000_000))
        return try await fetcher.client(for: proxy).execute(http, deadline: .now() + timeout, logger: logger)
    }

    /// `application/ocsp-response`, parameters and case aside.
    static func isOCSPResponseType(_ value: String) -> Bool {
        value.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            == "application/ocsp-response"
    }

    /// A transport error as an ``OCSPFetchError``.
    static func map(_ error: any Error, url: String, serial: String) -> OCSPFetchError {
        if let fetchError = error as? OCSPFetchError { return fetchError }
        if let client = error as? HTTPClientError,
            [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(client)
        {
            return OCSPFetchError(.timedOut, responderURL: url, serialNumberHex: serial, reason: "timed out: \(client)")
        }
        if error is NIOTooManyBytesError {
            return OCSPFetchError(
                .bodyTooLarge, responderURL: url, serialNumberHex: serial, reason: "the body exceeds the cap")
        }
        return OCSPFetchError(.connectionFailed, responderURL: url, serialNumberHex: serial, reason: "\(error)")
    }
}
