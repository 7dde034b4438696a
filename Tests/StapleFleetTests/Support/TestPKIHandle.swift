import Foundation
import OCSPCore
import StapleTestSupport
import Stapling
import Synchronization
import X509

/// The test CA, signing responses whose thisUpdate strictly increases (one second apart), so that
/// each fetch is newer than the one before.
final class TestPKIHandle: Sendable {
    let pki: TestPKI
    private let clock = Mutex(Date().addingTimeInterval(-600))

    init(name: String) throws { pki = try TestPKI(name: name) }

    func sign(_ certificate: Certificate, nextUpdate: TimeInterval = 86_400) throws -> [UInt8] {
        let thisUpdate = clock.withLock {
            $0 = $0.addingTimeInterval(1)
            return $0
        }
        return try pki.signedResponse(for: certificate, thisUpdate: thisUpdate, nextUpdate: thisUpdate + nextUpdate)
    }

    /// A request for `leaf` holding `current` as the node's staple.
    func request(_ leaf: TestPKI.Leaf, current: Date? = nil) -> StapleRequest {
        StapleRequest(certificate: leaf.certificate, issuer: pki.ca, currentThisUpdate: current)
    }
}
