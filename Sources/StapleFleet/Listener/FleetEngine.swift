import Foundation
import Stapling

/// One certificate the engine manages under one id, as the listener needs it to verify a row itself.
package struct FleetTarget: Sendable {
    package var id: String
    package var managed: ManagedCertificate
    /// The staple the engine holds now.
    package var staple: Staple?

    package init(id: String, managed: ManagedCertificate, staple: Staple?) {
        self.id = id
        self.managed = managed
        self.staple = staple
    }
}

/// What the listener asks of the staple engine: which ids a key belongs to, and to refresh one now
/// (the engine then asks its ``FleetResponseSource``, which returns the announced row, and verifies
/// and installs it as any other answer). ``StapleRefresher`` is one; `staple run` uses the same.
package protocol FleetEngine: Sendable {
    /// For each of `keys`, the ids whose certificate has it, with what is held for them (one pass).
    func targets(for keys: Set<CertificateKey>) async -> [CertificateKey: [FleetTarget]]
    /// Refreshes `id` now, whatever the schedule says; false (and nothing done) when a refresh of it
    /// is running already.
    @discardableResult func refreshNow(id: String) async -> Bool
}

extension StapleRefresher: FleetEngine {
    package func targets(for keys: Set<CertificateKey>) async -> [CertificateKey: [FleetTarget]] {
        var targets: [CertificateKey: [FleetTarget]] = [:]
        // A lookup per key (the refresher's index), not a pass over every id: at 50,000 certificates a
        // pass per notification cost milliseconds (docs/fleet.md, FleetMappingBenchmark).
        for key in keys {
            for id in ids(forKey: key) {
                guard let status = status(id: id), status.key == key, let managed = managed(id: id) else { continue }
                targets[key, default: []].append(FleetTarget(id: id, managed: managed, staple: status.staple))
            }
        }
        return targets
    }

    @discardableResult package func refreshNow(id: String) async -> Bool {
        await refresh(id: id) != nil
    }
}
