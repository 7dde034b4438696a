import Foundation

/// Where a TLS server gets the staple for the certificate it is about to present.
///
/// - Important: called synchronously on the event loop, inside the TLS handshake, once per
///   handshake and only when the client asked for status. It must not block or await: read an
///   immutable snapshot. Return only bytes that verified `good` and are not expired at `now`;
///   `nil` sends no staple.
package protocol StapleProvider: Sendable {
    func staple(forCertificateDER certificateDER: [UInt8], at now: Date) -> [UInt8]?

    /// The lookup for one certificate, made once when a server context loads the certificate, so
    /// that a handshake does no per-certificate work (encoding, hashing) before asking for the
    /// staple. The default asks ``staple(forCertificateDER:at:)`` with the DER each time.
    func lookup(forCertificateDER certificateDER: [UInt8]) -> StapleLookup
}

extension StapleProvider {
    package func lookup(forCertificateDER certificateDER: [UInt8]) -> StapleLookup {
        StapleLookup { now in self.staple(forCertificateDER: certificateDER, at: now) }
    }
}

/// The staple of one certificate at a given time, as a ``StapleProvider`` prepared it.
///
/// - Important: the same contract as ``StapleProvider/staple(forCertificateDER:at:)``: called inside
///   the handshake, never blocks.
package struct StapleLookup: Sendable {
    private let body: @Sendable (Date) -> [UInt8]?

    package init(_ body: @escaping @Sendable (Date) -> [UInt8]?) { self.body = body }

    package func staple(at now: Date) -> [UInt8]? { body(now) }
}

/// A provider with a fixed map, for tests and for serving staple files that were verified elsewhere.
package struct FixedStapleProvider: StapleProvider {
    package var staples: [[UInt8]: [UInt8]]

    package init(_ staples: [[UInt8]: [UInt8]] = [:]) {
        self.staples = staples
    }

    package func staple(forCertificateDER certificateDER: [UInt8], at now: Date) -> [UInt8]? {
        staples[certificateDER]
    }
}
