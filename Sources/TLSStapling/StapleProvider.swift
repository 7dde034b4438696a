import Foundation

/// Where a TLS server gets the staple for the certificate it is about to present.
///
/// - Important: called synchronously on the event loop, inside the TLS handshake, once per
///   handshake and only when the client asked for status. It must not block or await: read an
///   immutable snapshot. Return only bytes that verified `good` and are not expired at `now`;
///   `nil` sends no staple.
package protocol StapleProvider: Sendable {
    func staple(forCertificateDER certificateDER: [UInt8], at now: Date) -> [UInt8]?
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
