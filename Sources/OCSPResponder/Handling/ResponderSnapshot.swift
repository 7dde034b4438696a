import Foundation
import OCSPCore

/// What `--nonce` does with a request's nonce (RFC 9654).
package enum NoncePolicy: String, Sendable, CaseIterable {
    /// A request with a nonce gets a freshly signed response echoing it; one without gets the pre-signed one.
    case echo
    /// Nonces are ignored: every request gets the pre-signed response.
    case ignore
    /// A request without a nonce is refused (`malformedRequest`); one with a nonce is answered as under `echo`.
    case require
}

/// The settings that shape answers.
package struct ResponderPolicy: Sendable, Hashable {
    /// nextUpdate - thisUpdate of every response signed.
    package var validity: TimeInterval
    /// Age at which a pre-signed response is signed again; well below ``validity``.
    package var refresh: TimeInterval
    package var nonce: NoncePolicy
    /// The largest `max-age` sent; also bounded by the seconds left until nextUpdate.
    package var maximumAge: TimeInterval
    /// The largest OCSPRequest accepted, by POST body or decoded from a GET path.
    package var maximumRequestSize: Int

    /// 1 day of validity, re-signed every hour, max-age at most one hour: a revocation reaches a
    /// client that honours the caching headers within an hour, and a responder outage of up to 23
    /// hours is invisible to clients.
    package static let defaultValidity: TimeInterval = 86_400
    package static let defaultRefresh: TimeInterval = 3_600
    /// 4 KiB: a request for 20 certificates with a 128-octet nonce is under 2 KiB.
    package static let defaultMaximumRequestSize = 4_096

    package init(
        validity: TimeInterval = defaultValidity, refresh: TimeInterval = defaultRefresh, nonce: NoncePolicy = .echo,
        maximumAge: TimeInterval? = nil, maximumRequestSize: Int = defaultMaximumRequestSize
    ) {
        self.validity = validity
        self.refresh = refresh
        self.nonce = nonce
        self.maximumAge = maximumAge ?? refresh
        self.maximumRequestSize = maximumRequestSize
    }
}

/// One CA as served at one moment: who it is, its index, and the responses signed ahead from it.
package struct AuthorityState: Sendable {
    package var authority: Authority
    package var index: CertificateIndex
    package var cache: PresignedCache
    /// When the index file last changed (its mtime), for the change-to-answer metric.
    package var indexChangedAt: Date?

    package init(authority: Authority, index: CertificateIndex, cache: PresignedCache = PresignedCache()) {
        self.authority = authority
        self.index = index
        self.cache = cache
    }
}

/// Everything a request is answered from: immutable, swapped as a whole on reload or re-signing.
package struct ResponderSnapshot: Sendable {
    package var authorities: [AuthorityState]
    package var policy: ResponderPolicy
    /// Increases with every new snapshot.
    package var generation: Int

    package init(authorities: [AuthorityState], policy: ResponderPolicy, generation: Int = 0) {
        self.authorities = authorities
        self.policy = policy
        self.generation = generation
    }

    /// The position of the CA that `certID` names, if one is served.
    package func authorityIndex(for certID: CertID) -> Int? {
        authorities.firstIndex { $0.authority.serves(certID) }
    }
}
