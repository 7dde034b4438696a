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

    /// The certificate's key (SHA-256 of its DER, in hex) is computed here, once per certificate
    /// a context loads, not in every handshake: a handshake only looks the key up in the snapshot.
    package func lookup(forCertificateDER certificateDER: [UInt8]) -> StapleLookup {
        let key = CertificateKey(derBytes: certificateDER)
        return StapleLookup { [snapshots] now in snapshots.staple(for: key, at: now) }
    }
}
