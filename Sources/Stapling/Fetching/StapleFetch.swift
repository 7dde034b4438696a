import Foundation
import Logging
import OCSPCore
import OCSPFetching
import X509

/// What asking the responders about one certificate gave.
package struct StapleFetchOutcome: Sendable {
    /// The judged response that settled it: the first that verified good, revoked or unknown, or the
    /// last judged answer otherwise; nil when no responder answered.
    package var judgement: StapleJudgement?
    /// The responder URL that gave ``judgement``.
    package var responderURL: String?
    /// Every failure on the way, in order: transport errors and rejected answers.
    package var failures: [StapleFailure]

    package init(judgement: StapleJudgement? = nil, responderURL: String? = nil, failures: [StapleFailure] = []) {
        self.judgement = judgement
        self.responderURL = responderURL
        self.failures = failures
    }

    /// What the verifier found in ``judgement``.
    package var verification: OCSPVerification? { judgement?.verification }

    /// The outcome as a metrics label: good, revoked, unknown, no_status, rejected, responder_error, network.
    package var label: String {
        guard let verification else { return "network" }
        return verification.verdict.name.replacingOccurrences(of: "-", with: "_")
    }
}

/// One failure naming the responder, the certificate serial and the reason.
package struct StapleFailure: Sendable, CustomStringConvertible {
    package var responderURL: String?
    package var serialNumberHex: String
    package var code: String
    package var reason: String
    package var fetchError: OCSPFetchError?

    package var description: String {
        "\(code): responder \(responderURL ?? "(none)"), certificate serial \(serialNumberHex): \(reason)"
    }
}

/// Fetches and judges a staple for one certificate, trying each responder URL in order.
///
/// A URL whose answer does not verify (a transport failure, a rejected response, a responder
/// error such as `tryLater`, no status for this certificate) passes the turn to the next URL; good,
/// revoked and unknown are answers and end the search.
package struct StapleFetch: ResponseSource {
    package var fetcher: OCSPFetcher
    package var verifier: OCSPVerifier
    package var logger: Logger

    package init(fetcher: OCSPFetcher, verifier: OCSPVerifier = OCSPVerifier(), logger: Logger) {
        self.fetcher = fetcher
        self.verifier = verifier
        self.logger = logger
    }

    /// Asks the responders for `request.certificate` and judges each answer at `now`.
    ///
    /// - Important: `now` is read when each answer arrives; verification uses it, within the
    ///   verifier's clock skew.
    package func response(for request: StapleRequest, now: @escaping @Sendable () -> Date) async -> StapleFetchOutcome {
        let serial = request.serialNumberHex
        let urls = OCSPFetcher.responderURLs(for: request.certificate, override: request.responderURLs)
        var outcome = StapleFetchOutcome()
        guard !urls.isEmpty else {
            outcome.failures.append(
                StapleFailure(
                    responderURL: nil, serialNumberHex: serial, code: OCSPFetchError.Code.noResponderURL.rawValue,
                    reason: "the certificate has no OCSP responder URL (AIA) and none was given"))
            return outcome
        }
        let der: [UInt8]
        do {
            guard
                let certID = request.preparedIssuer.certID(
                    serialNumber: Array(request.certificate.serialNumber.bytes), hash: request.hash)
            else {
                throw OCSPCoreError(
                    .buildFailed, reason: "the name and key of issuer \(request.issuer.subject) cannot be read")
            }
            der = try OCSPRequestBuilder.request(for: [certID]).derBytes()
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
            let judgement = StapleJudgement(
                response: bytes, certificate: request.certificate, issuer: request.preparedIssuer, verifier: verifier,
                currentThisUpdate: request.currentThisUpdate, policy: request.policy, now: now())
            outcome.judgement = judgement
            outcome.responderURL = url
            guard let failure = StapleFailure(passingOn: judgement.verification.verdict, url: url, serial: serial)
            else { return outcome }
            outcome.failures.append(failure)
        }
        return outcome
    }
}

extension StapleFailure {
    /// The failure recorded for a verdict that passes the turn to the next responder URL; nil for
    /// good, revoked and unknown, which are answers and end the search.
    package init?(passingOn verdict: OCSPVerdict, url: String, serial: String) {
        switch verdict {
        case .good, .revoked, .unknown:
            return nil
        case .rejected(let rejection):
            self.init(
                responderURL: url, serialNumberHex: serial, code: "rejected.\(rejection.code)", reason: rejection.reason
            )
        case .responderError(let status):
            self.init(
                responderURL: url, serialNumberHex: serial, code: "responder-error",
                reason: "the responder answered \(status) instead of a status")
        case .noStatus:
            self.init(
                responderURL: url, serialNumberHex: serial, code: "no-status",
                reason: "the response holds no status for this certificate (a response for another certificate)")
        }
    }
}
