// `swift run -c release FleetMappingBenchmark [certificates...]`: what the fleet listener pays, per
// notification, to find which of the engine's ids a row's key belongs to (StapleRefresher's key
// index, FleetEngine.targets(for:)), against the one pass over every id it made before. In process,
// no I/O: certificates issued by the test CA, a refresher that never fetches.
import Foundation
import Logging
import OCSPCore
import StapleFleet
import StapleTestSupport
import Stapling

/// A source that is never asked (the refresher is not run).
struct NeverSource: ResponseSource {
    func response(for request: StapleRequest, now: @escaping @Sendable () -> Date) async -> StapleFetchOutcome {
        StapleFetchOutcome()
    }
}

extension StapleRefresher {
    /// What `targets(for:)` did before the index: one pass over every id per batch of keys.
    func onePassTargets(for keys: Set<CertificateKey>) -> [CertificateKey: [FleetTarget]] {
        var targets: [CertificateKey: [FleetTarget]] = [:]
        for id in ids {
            guard let status = status(id: id), keys.contains(status.key), let managed = managed(id: id) else { continue }
            targets[status.key, default: []].append(FleetTarget(id: id, managed: managed, staple: status.staple))
        }
        return targets
    }
}

let sizes = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let counts = sizes.isEmpty ? [1_000, 10_000, 50_000] : sizes
var logger = Logger(label: "fleet-mapping")
logger.logLevel = .error
let pki = try TestPKI(name: "fleet-mapping")
defer { pki.remove() }
var managed: [ManagedCertificate] = []
for size in counts {
    while managed.count < size {
        let leaf = try pki.issue(writePEM: false, writeIndex: false)
        managed.append(ManagedCertificate(id: leaf.serialHex, certificate: leaf.certificate, issuer: pki.ca))
    }
    let refresher = StapleRefresher(
        certificates: Array(managed.prefix(size)), source: NeverSource(), store: nil, logger: logger)
    let keys = managed.prefix(size).map { CertificateKey(certificate: $0.certificate) }
    let lookups = 200
    let probe = (0..<lookups).map { _ in Set([keys.randomElement()!]) }
    func measure(_ body: (Set<CertificateKey>) async -> Int) async -> Double {
        let clock = ContinuousClock()
        var found = 0
        let elapsed = await clock.measure { for keys in probe { found += await body(keys) } }
        precondition(found == lookups, "every probed key maps to its one id (found \(found) of \(lookups))")
        return Double(elapsed.components.attoseconds) / 1e12 / Double(lookups)
            + Double(elapsed.components.seconds) * 1e6 / Double(lookups)
    }
    let indexed = await measure { await refresher.targets(for: $0).values.joined().count }
    let pass = await measure { await refresher.onePassTargets(for: $0).values.joined().count }
    print(
        String(
            format: "%6d certificates: %10.1f µs per notification with the index, %10.1f µs with one pass (%.0fx)",
            size, indexed, pass, pass / indexed))
    BenchmarkResult(
        benchmark: "fleet", metric: "key to ids per notification (\(size) certificates)", staple: indexed, peer: pass,
        peerName: "one pass over the ids (before)", unit: "µs", higherIsBetter: false
    ).emit()
}
