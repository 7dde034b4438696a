import Foundation
import Logging
import OCSPCore
import OCSPFetching
import X509

/// What asking the responders about one certificate gave.
public struct StapleFetchOutcome: Sendable {
    /// The verified response that settled it, with its bytes, when a responder answered something
    /// that verifies (good, revoked or unknown) or the last judged answer otherwise.
    public var verification: OCSPVerification?
    public var responseBytes: [UInt8]?
    /// The responder URL that gave ``verification``.
    public var responderURL: String?
    /// Every failure on the way, in order: transport errors and rejected answers.
    public var failures: [StapleFailure]

    /// The outcome as a metrics label: good, revoked, unknown, no_status, rejected, responder_error, network.
    public var label: String {
        guard let verification else { return "network" }
        return verification.verdict.name.replacingOccurrences(of: "-", with: "_")
    }
}

/// One failure naming the responder, the certificate serial and the reason.
public struct StapleFailure: Sendable, CustomStringConvertible {
    public var responderURL: String?
    public var serialNumberHex: String
    public var code: String
    public var reason: String
    public var fetchError: OCSPFetchError?

    public var description: String {
        "\(code): responder \(responderURL ?? "(none)"), certificate serial \(serialNumberHex): \(reason)"
    }
}

/// Fetches and verifies a staple for one certificate, trying each responder URL in order.
///
/// A URL whose answer does not verify (a transport failure, a rejected response, a responder
/// error such as `tryLater`) passes the turn to the next URL; good, revoked and unknown are
/// answers and end the search.
public struct StapleFetch: Sendable {
    public var fetcher: OCSPFetcher
    public var verifier: OCSPVerifier
    public var logger: Logger

    public init(fetcher: OCSPFetcher, verifier: OCSPVerifier = OCSPVerifier(), logger: Logger) {
        self.fetcher = fetcher
        self.verifier = verifier
        self.logger = logger
    }

    /// Asks the responders for `certificate` and verifies at `now`.
    ///
    /// - Important: `now` is read once by the caller; verification uses the time the answer arrives at
    ///   most a deadline later, within the verifier's clock skew.
    public func fetch(
        certificate: Certificate, issuer: Certificate, responderURLs override: [String]? = nil,
        hash: OCSPHashAlgorithm = .sha1, now: @Sendable () -> Date = { Date() }
    ) async -> StapleFetchOutcome {
        let serial = Array(certificate.serialNumber.bytes).hexString
        let urls = OCSPFetcher.responderURLs(for: certificate, override: override)
        var outcome = StapleFetchOutcome(failures: [])
        guard !urls.isEmpty else {
            outcome.failures.append(
                StapleFailure(
                    responderURL: nil, serialNumberHex: serial, code: OCSPFetchError.Code.noResponderURL.rawValue,
                    reason: "the certificate has no OCSP responder URL (AIA) and none was given"))
            return outcome
        }
        let der: [UInt8]
        do {
            der = try OCSPRequestBuilder.request(certificate: certificate, issuer: issuer, hash: hash).derBytes()
        } catch {
            outcome.failures.append(
                StapleFailure(
                    responderURL: nil, serialNumberHex: serial, code: OCSPFetchError.Code.requestEncoding.rawValue,
                    reason: "\(error)"))
            return outcome
        }
        for url in urls {
            let bytes: [UInt8]
            do {
                bytes = try await fetcher.fetch(derRequest: der, from: url, serialNumberHex: serial).responseBytes
            } catch {
                outcome.failures.append(
                    StapleFailure(
                        responderURL: url, serialNumberHex: serial, code: error.code.rawValue, reason: error.reason,
                        fetchError: error))
                continue
            }
            let verification = verifier.verify(response: bytes, certificate: certificate, issuer: issuer, now: now())
            outcome.verification = verification
            outcome.responseBytes = bytes
            outcome.responderURL = url
            switch verification.verdict {
            case .good, .revoked, .unknown:
                return outcome
            case .rejected(let rejection):
                outcome.failures.append(
                    StapleFailure(
                        responderURL: url, serialNumberHex: serial, code: "rejected.\(rejection.code)",
                        reason: rejection.reason))
            case .responderError(let status):
                outcome.failures.append(
                    StapleFailure(
                        responderURL: url, serialNumberHex: serial, code: "responder-error",
                        reason: "the responder answered \(status) instead of a status"))
            case .noStatus:
                outcome.failures.append(
                    StapleFailure(
                        responderURL: url, serialNumberHex: serial, code: "no-status",
                        reason: "the response holds no status for this certificate (a response for another certificate)"
                    ))
            }
        }
        return outcome
    }
}
