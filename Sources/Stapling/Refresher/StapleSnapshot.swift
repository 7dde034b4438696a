import Foundation
import NIOConcurrencyHelpers
import OCSPCore
import X509

/// The staples the engine holds at one moment: immutable once taken.
package struct StapleSnapshot: Sendable {
    package var staples: [CertificateKey: Staple]

    package init(staples: [CertificateKey: Staple] = [:]) {
        self.staples = staples
    }

    /// The bytes to staple for `key` at `now`, or nil when there is no staple or it may no longer be served.
    package func staple(for key: CertificateKey, at now: Date) -> [UInt8]? {
        guard let staple = staples[key], staple.isServable(at: now) else { return nil }
        return staple.bytes
    }
}

/// Synchronous, lock-protected access to the engine's current staples, for a TLS handshake's
/// status callback: it never awaits and never does I/O.
///
/// Only good staples that may still be served at the `now` given are returned.
package final class StapleSnapshotProvider: Sendable {
    private let box = NIOLockedValueBox(StapleSnapshot())

    package init() {}

    /// A copy of the current snapshot.
    package func snapshot() -> StapleSnapshot {
        box.withLockedValue { $0 }
    }

    /// The staple for the certificate whose DER is `certificateDER`, at `now`.
    ///
    /// - Important: `now` is a parameter; pass the handshake's clock.
    package func staple(forCertificateDER certificateDER: some DataProtocol, at now: Date) -> [UInt8]? {
        staple(for: CertificateKey(derBytes: certificateDER), at: now)
    }

    /// The staple for `certificate` at `now`.
    package func staple(for certificate: Certificate, at now: Date) -> [UInt8]? {
        staple(for: CertificateKey(certificate: certificate), at: now)
    }

    /// The staple for `key` at `now`.
    package func staple(for key: CertificateKey, at now: Date) -> [UInt8]? {
        box.withLockedValue { $0.staple(for: key, at: now) }
    }

    func set(_ staple: Staple?, for key: CertificateKey) {
        box.withLockedValue { $0.staples[key] = staple }
    }
}
