import Foundation
import OCSPCore
import OCSPFetching
import X509

/// The seam between the check and the certificate's responder (`--fetch`).
package protocol ResponderAsking: Sendable {
    /// Asks the responders the certificate names, in order, and verifies the first answer at `now`.
    func ask(certificate: Certificate, issuer: Certificate, now: @Sendable () -> Date) async -> ResponderEvidence
}

/// Asks over HTTP with `OCSPFetcher`, verifying with the OCSP core.
package struct FetcherResponderAsking: ResponderAsking {
    package var fetcher: OCSPFetcher
    package var verifier: OCSPVerifier

    package init(fetcher: OCSPFetcher, verifier: OCSPVerifier = OCSPVerifier()) {
        self.fetcher = fetcher
        self.verifier = verifier
    }

    package func ask(
        certificate: Certificate, issuer: Certificate, now: @Sendable () -> Date
    ) async
        -> ResponderEvidence
    {
        let serial = Array(certificate.serialNumber.bytes).hexString
        let urls = certificate.ocspURLs
        guard !urls.isEmpty else { return .failed(reason: "the certificate names no OCSP responder") }
        let request: [UInt8]
        do {
            request = try OCSPRequestBuilder.request(certificate: certificate, issuer: issuer).derBytes()
        } catch {
            return .failed(reason: "could not encode the request for serial \(serial): \(error)")
        }
        do {
            let result = try await fetcher.fetch(derRequest: request, urls: urls, serialNumberHex: serial)
            let verification = verifier.verify(
                response: result.responseBytes, certificate: certificate, issuer: issuer, now: now())
            return .answered(url: result.responderURL, verification: verification)
        } catch {
            return .failed(reason: error.message)
        }
    }
}
