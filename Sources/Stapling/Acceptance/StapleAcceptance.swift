import Foundation
import OCSPCore
import X509

/// A verified, good OCSP response held for one certificate: the exact bytes received and the
/// times that decide when it may be served.
///
/// The only way to get one is a ``StapleJudgement`` whose acceptance is ``StapleAcceptance/accepted(_:)``:
/// the bytes verified `good` for the certificate, were newer than the staple held, and could still
/// be served when they were judged. Its properties are constants.
package struct Staple: Sendable, Hashable {
    /// The DER OCSPResponse as received from the responder (never re-encoded).
    package let bytes: [UInt8]
    package let thisUpdate: Date
    /// nil when the responder gave none (see ``RefreshPolicy/holdWithoutNextUpdate``).
    package let nextUpdate: Date?
    /// When serving stops: nextUpdate (or the hold), never past the certificate's notAfter.
    package let servingEnd: Date

    fileprivate init(bytes: [UInt8], thisUpdate: Date, nextUpdate: Date?, servingEnd: Date) {
        self.bytes = bytes
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.servingEnd = servingEnd
    }

    /// Whether it may be stapled at `now`.
    ///
    /// - Important: `now` is a parameter; an expired staple is never served.
    package func isServable(at now: Date) -> Bool {
        now < servingEnd
    }
}

/// What becomes of one response for one certificate.
package enum StapleAcceptance: Sendable, Hashable {
    /// Good, newer than the staple held, and servable now: this is the new staple.
    case accepted(Staple)
    /// Good and newer, but its serving end (nextUpdate, the hold, or the certificate's notAfter) has passed.
    case pastServingEnd(thisUpdate: Date, servingEnd: Date)
    /// Good, but its thisUpdate is not newer than the staple held.
    case notNewer(candidate: Date, current: Date)
    /// The responder says the certificate is revoked: never stapled, reported loudly.
    case revoked(time: Date, reason: String?)
    /// Any other verdict: unknown, no status, rejected, responder error.
    case notGood(OCSPVerdict)

    /// The new staple, when accepted.
    package var staple: Staple? {
        if case .accepted(let staple) = self { return staple }
        return nil
    }
}

/// One response judged for one certificate, written once for the refresher, the store and `staple fetch`:
/// verify, decide replacement (``ReplacementDecision``), compute the serving end (``RefreshPolicy``),
/// and only then make a ``Staple``.
package struct StapleJudgement: Sendable {
    /// What the verifier found.
    package let verification: OCSPVerification
    /// What becomes of the response.
    package let acceptance: StapleAcceptance

    /// Verifies `response` for `certificate` at `now` and decides whether it becomes the staple.
    ///
    /// - Parameters:
    ///   - currentThisUpdate: thisUpdate of the staple held now (nil when none): only a strictly newer
    ///     good response is accepted.
    ///   - policy: gives the serving end.
    /// - Important: `now` is a parameter: both verification and the serving-end check use it.
    package init(
        response: [UInt8], certificate: Certificate, issuer: Certificate, verifier: OCSPVerifier,
        currentThisUpdate: Date?, policy: RefreshPolicy, now: Date
    ) {
        self.init(
            response: response, certificate: certificate, issuer: OCSPIssuer(issuer), verifier: verifier,
            currentThisUpdate: currentThisUpdate, policy: policy, now: now)
    }

    /// The same, with the issuer's hashes computed once for all the certificates of its CA.
    package init(
        response: [UInt8], certificate: Certificate, issuer: OCSPIssuer, verifier: OCSPVerifier,
        currentThisUpdate: Date?, policy: RefreshPolicy, now: Date
    ) {
        let verification = verifier.verify(response: response, certificate: certificate, issuer: issuer, now: now)
        self.verification = verification
        switch ReplacementDecision.decide(verification, currentThisUpdate: currentThisUpdate) {
        case .replace(let thisUpdate):
            let end = policy.servingEnd(
                thisUpdate: thisUpdate, nextUpdate: verification.nextUpdate,
                certificateNotAfter: certificate.notValidAfter)
            acceptance =
                now < end
                ? .accepted(
                    Staple(
                        bytes: response, thisUpdate: thisUpdate, nextUpdate: verification.nextUpdate, servingEnd: end))
                : .pastServingEnd(thisUpdate: thisUpdate, servingEnd: end)
        case .notNewer(let candidate, let current):
            acceptance = .notNewer(candidate: candidate, current: current)
        case .revoked(let time, let reason):
            acceptance = .revoked(time: time, reason: reason)
        case .notGood(let verdict):
            acceptance = .notGood(verdict)
        }
    }
}
