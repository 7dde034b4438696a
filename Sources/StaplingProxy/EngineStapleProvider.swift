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
}
