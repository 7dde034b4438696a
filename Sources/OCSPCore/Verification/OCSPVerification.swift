import Foundation
import X509

/// What a verified response says about a certificate.
///
/// `revoked` and `responderError(.tryLater)` are answers, not failures; only `good` may be stapled,
/// and only when the response also has a nextUpdate (see ``OCSPVerification/isStapleable``).
public enum OCSPVerdict: Hashable, Sendable {
    case good
    case revoked(time: Date, reason: CRLReason?)
    case unknown
    /// The response verifies but holds no SingleResponse for this certificate.
    case noStatus
    /// The response must not be trusted; the reason names the check that failed.
    case rejected(OCSPRejection)
    /// The responder answered with a non-successful OCSPResponseStatus.
    case responderError(OCSPResponseStatus)

    /// A short, stable name: `good`, `revoked`, `unknown`, `no-status`, `rejected`, `responder-error`.
    public var name: String {
        switch self {
        case .good: "good"
        case .revoked: "revoked"
        case .unknown: "unknown"
        case .noStatus: "no-status"
        case .rejected: "rejected"
        case .responderError: "responder-error"
        }
    }
}

/// One check the verifier ran, with the RFC section it enforces and what it found.
public struct OCSPCheck: Hashable, Sendable {
    public enum Outcome: String, Hashable, Sendable {
        case passed, failed, warning
    }

    /// A stable identifier, e.g. `signature` or `next-update`.
    public var id: String
    /// Where the rule comes from, e.g. `RFC 6960 §4.2.1`.
    public var reference: String
    public var outcome: Outcome
    /// What the check found, for a person.
    ///
    /// Written when it is first read: a verification whose details nobody reads (the staple engine's,
    /// thousands a minute) does not format dates and hex it never shows.
    public var detail: String {
        get { describe() }
        set { describe = { newValue } }
    }

    private var describe: @Sendable () -> String

    init(id: String, reference: String, outcome: Outcome, detail: @escaping @Sendable () -> String) {
        self.id = id
        self.reference = reference
        self.outcome = outcome
        self.describe = detail
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.id == rhs.id && lhs.reference == rhs.reference && lhs.outcome == rhs.outcome && lhs.detail == rhs.detail
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(reference)
        hasher.combine(outcome)
        hasher.combine(detail)
    }
}

/// The verifier's full answer: the verdict, every check run in order, and what was matched.
public struct OCSPVerification: Sendable {
    public var verdict: OCSPVerdict
    public var checks: [OCSPCheck]
    /// The decoded basic response, when decoding got that far.
    public var response: BasicOCSPResponse?
    /// The certificate whose key signed the response, when it was located.
    public var signer: Certificate?
    /// The SingleResponse about the certificate, when one matched.
    public var singleResponse: SingleResponse?

    public var thisUpdate: Date? { singleResponse.map { Date($0.thisUpdate) } }
    public var nextUpdate: Date? { singleResponse?.nextUpdate.map { Date($0) } }

    /// Whether these bytes may be stapled: verdict `good` and a nextUpdate to bound its life.
    public var isStapleable: Bool { verdict == .good && nextUpdate != nil }
}
