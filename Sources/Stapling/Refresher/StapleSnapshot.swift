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
    private struct State {
        var snapshot = StapleSnapshot()
        /// The slots handed out, kept current with the snapshot.
        var slots: [CertificateKey: StapleSlot] = [:]
    }
    private let box = NIOLockedValueBox(State())

    package init() {}

    /// A copy of the current snapshot.
    package func snapshot() -> StapleSnapshot {
        box.withLockedValue { $0.snapshot }
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
        box.withLockedValue { $0.snapshot.staple(for: key, at: now) }
    }

    /// The slot that always holds `key`'s current staple: what a server prepares once per
    /// certificate, so that a handshake reads its staple without looking the key up (no hashing,
    /// and not this provider's lock, which every certificate's updates take).
    ///
    /// Slots live as long as the provider (one per certificate ever served: some hundred bytes each).
    package func slot(for key: CertificateKey) -> StapleSlot {
        box.withLockedValue { state in
            if let slot = state.slots[key] { return slot }
            let slot = StapleSlot(state.snapshot.staples[key])
            state.slots[key] = slot
            return slot
        }
    }

    func set(_ staple: Staple?, for key: CertificateKey) {
        box.withLockedValue { state in
            state.snapshot.staples[key] = staple
            state.slots[key]?.set(staple)
        }
    }
}

/// One certificate's current staple, as ``StapleSnapshotProvider`` publishes it.
package final class StapleSlot: Sendable {
    private let box: NIOLockedValueBox<Staple?>

    init(_ staple: Staple?) { box = NIOLockedValueBox(staple) }

    /// The bytes to staple at `now`, or nil when there is no staple or it may no longer be served.
    package func staple(at now: Date) -> [UInt8]? {
        box.withLockedValue { staple in
            guard let staple, staple.isServable(at: now) else { return nil }
            return staple.bytes
        }
    }

    func set(_ staple: Staple?) { box.withLockedValue { $0 = staple } }
}
