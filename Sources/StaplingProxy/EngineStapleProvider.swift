import Foundation
import Stapling
import TLSStapling

/// Glue between the staple engine and the TLS layer: handshakes read the engine's published snapshot.
package struct EngineStapleProvider: StapleProvider {
    let snapshots: StapleSnapshotProvider

    package init(_ snapshots: StapleSnapshotProvider) {
        self.snapshots = snapshots
    }

    package func staple(forCertificateDER certificateDER: [UInt8], at now: Date) -> [UInt8]? {
        snapshots.staple(forCertificateDER: certificateDER, at: now)
    }

    /// The certificate's key (SHA-256 of its DER) is computed here, once per certificate a context
    /// loads, not in every handshake; a handshake reads the certificate's slot, which the engine
    /// keeps current, without looking the key up.
    package func lookup(forCertificateDER certificateDER: [UInt8]) -> StapleLookup {
        let slot = snapshots.slot(for: CertificateKey(derBytes: certificateDER))
        return StapleLookup { now in slot.staple(at: now) }
    }
}
