import Foundation
import NIOConcurrencyHelpers
import Stapling

/// What `staple run` holds for one site between reconciles.
struct SiteRuntime: Sendable {
    /// What is in place in one output, as far as staple run knows.
    enum Installed: Sendable, Hashable {
        /// Not asked yet in this process: the first reconcile asks whatever it wants.
        case unknown
        /// These bytes (a verified good staple for the certificate of the time).
        case staple([UInt8])
        /// Nothing (withdrawn).
        case nothing
    }

    var configuration: SiteConfiguration
    var material: SiteMaterial
    var outputs: [any StapleOutput]
    /// Changes when ``outputs`` are replaced (SIGHUP): a reconcile that began with others drops its results.
    var outputsGeneration: Int
    var installed: [Installed]
    var records: [OutputStatus]
    /// The last reconcile's decision.
    var target: ReconcilePlan.Target?
    /// The revocation was logged critical and counted (once per revocation).
    var revocationReported = false

    init(configuration: SiteConfiguration, material: SiteMaterial, outputs: [any StapleOutput], outputsGeneration: Int)
    {
        self.configuration = configuration
        self.material = material
        self.outputs = outputs
        self.outputsGeneration = outputsGeneration
        installed = Array(repeating: .unknown, count: outputs.count)
        records = outputs.map { OutputStatus(kind: $0.kind, target: $0.description) }
    }

    /// A verified good staple for the current certificate is in every output, none refused or failing.
    var isStapled: Bool {
        guard let staple = target?.staple else { return false }
        return zip(installed, records).allSatisfy { installed, record in
            installed == .staple(staple.bytes) && record.outcome != "refused" && record.outcome != "failed"
        }
    }

    /// Why ``isStapled`` is false, for a person.
    var problem: String? {
        guard !isStapled else { return nil }
        if case .nothing(let absence) = target { return absence.description }
        if let record = records.first(where: { $0.outcome == "refused" || $0.outcome == "failed" }) {
            return "\(record.target): \(record.outcome ?? "") \(record.detail ?? "")"
        }
        return "not installed yet"
    }
}

/// The engine's refresh events per site, recorded synchronously from its callback.
final class EventLog: Sendable {
    struct Record: Sendable {
        var at: Date
        var outcome: String
        var fetch: String
        var message: String
        var successes = 0
        var failures = 0
    }

    private let box = NIOLockedValueBox([String: Record]())

    func record(_ event: RefreshEvent, at time: Date) {
        guard event.outcome != .superseded else { return }
        box.withLockedValue { records in
            var record =
                records[event.id]
                ?? Record(at: time, outcome: event.outcome.rawValue, fetch: event.fetchLabel, message: event.message)
            record.at = time
            record.outcome = event.outcome.rawValue
            record.fetch = event.fetchLabel
            record.message = event.message
            if event.outcome == .replaced { record.successes += 1 } else { record.failures += 1 }
            records[event.id] = record
        }
    }

    func record(for site: String) -> Record? {
        box.withLockedValue { $0[site] }
    }

    func forget(_ site: String) {
        _ = box.withLockedValue { $0.removeValue(forKey: site) }
    }
}
