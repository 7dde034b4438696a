import Foundation
import OCSPCore
import TLSStapling
import X509

/// How a target is checked.
package struct CheckOptions: Sendable {
    /// The versions to handshake with, each on its own (`--tls1_2`, `--tls1_3` keep one).
    package var versions: [TLSVersion]
    /// Rounds of handshakes (`--connections`); each round makes one handshake per offer.
    package var connections: Int
    /// The pause between rounds (`--interval`).
    package var interval: Duration
    /// The time one round may take (`--timeout`); a target gets `timeout + (connections - 1) × interval`.
    package var timeout: Duration
    /// Ask the certificate's responder directly too (`--fetch`).
    package var fetch: Bool
    package var policy: CheckPolicy
    /// The certificates trusted as anchors (the system store and `--ca-file`).
    package var trustAnchors: [Certificate]

    /// Ten seconds: a server that has not completed a handshake by then is broken for clients too.
    package static let defaultTimeout: Duration = .seconds(10)

    package init(
        versions: [TLSVersion] = [.tls13, .tls12], connections: Int = 1, interval: Duration = .seconds(1),
        timeout: Duration = defaultTimeout, fetch: Bool = false, policy: CheckPolicy = CheckPolicy(),
        trustAnchors: [Certificate] = []
    ) {
        self.versions = versions
        self.connections = max(1, connections)
        self.interval = interval
        self.timeout = timeout
        self.fetch = fetch
        self.policy = policy
        self.trustAnchors = trustAnchors
    }

    /// The offers of one round, in order: only ECDSA, then only RSA, each in every version.
    package var variants: [ProbeVariant] {
        [TLSSignatureAlgorithms.ecdsa, .rsa].flatMap { algorithms in
            versions.map { ProbeVariant(version: $0, algorithms: algorithms) }
        }
    }
}

/// Checks one target: makes the handshakes (through a ``HandshakeProber``), groups them into
/// deployments by the certificate served, verifies each staple with the OCSP core, asks the
/// responder when told to, and has ``DeploymentJudge`` judge.
package struct StapleChecker: Sendable {
    package var options: CheckOptions
    package var prober: any HandshakeProber
    package var responder: (any ResponderAsking)?
    package var verifier: OCSPVerifier
    /// The clock judgements are made against.
    package var now: @Sendable () -> Date

    package init(
        options: CheckOptions, prober: any HandshakeProber, responder: (any ResponderAsking)? = nil,
        verifier: OCSPVerifier = OCSPVerifier(), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.options = options
        self.prober = prober
        self.responder = responder
        self.verifier = verifier
        self.now = now
    }

    /// Checks `target`; never throws: what goes wrong is in the report.
    package func check(_ target: CheckTarget) async -> TargetReport {
        let clock = ContinuousClock()
        let deadline = clock.now + options.timeout + options.interval * (options.connections - 1)
        var records: [HandshakeRecord] = []
        var active = options.variants
        var fatal: CheckError?
        rounds: for round in 1...options.connections {
            if round > 1 {
                active = active.filter { variant in records.contains { $0.variant == variant && $0.observed != nil } }
                if active.isEmpty { break }
                try? await Task.sleep(for: options.interval)
            }
            for variant in active {
                let remaining = deadline - clock.now
                let at = now()
                guard remaining > .zero else {
                    let error = CheckError(
                        .deadline, subject: target.description,
                        reason: "the deadline passed before handshake \(records.count + 1) (\(variant))")
                    records.append(
                        HandshakeRecord(
                            number: records.count + 1, round: round, variant: variant, at: at, outcome: .failure(error))
                    )
                    if !records.contains(where: { $0.observed != nil }) { fatal = error }
                    break rounds
                }
                let outcome = await prober.handshake(
                    HandshakeAttempt(
                        host: target.dialHost, port: target.dialPort, serverName: target.serverName,
                        variant: variant, timeout: min(remaining, options.timeout)))
                records.append(
                    HandshakeRecord(number: records.count + 1, round: round, variant: variant, at: at, outcome: outcome)
                )
                if case .failure(let error) = outcome, error.code.isConnectionLevel,
                    !records.contains(where: { $0.observed != nil })
                {
                    fatal = error
                    break rounds
                }
            }
        }
        let checkedAt = now()
        guard fatal == nil, records.contains(where: { $0.observed != nil }) else {
            let error =
                fatal ?? records.compactMap { record -> CheckError? in
                    if case .failure(let error) = record.outcome { return error }
                    return nil
                }.first ?? CheckError(.handshakeFailed, subject: target.description, reason: "no handshake was made")
            return TargetReport(target: target, deployments: [], error: error, notes: [], checkedAt: checkedAt)
        }
        let (deployments, notes) = await deployments(from: records)
        return TargetReport(target: target, deployments: deployments, error: nil, notes: notes, checkedAt: checkedAt)
    }

    /// Groups handshakes by leaf certificate, in the order first served, and judges each group.
    func deployments(from records: [HandshakeRecord]) async -> ([DeploymentReport], [String]) {
        var leaves: [[UInt8]] = []
        for record in records {
            if let leaf = record.observed?.chain.first, !leaves.contains(leaf) { leaves.append(leaf) }
        }
        var reports: [DeploymentReport] = []
        var notes: [String] = []
        let judge = DeploymentJudge(policy: options.policy)
        for leafDER in leaves {
            let served = records.filter { $0.observed?.chain.first == leafDER }
            let algorithms = Set(served.map(\.variant.algorithms))
            // Failed offers count for the deployment whose signature algorithms they offered.
            let failed = records.filter { $0.observed == nil && algorithms.contains($0.variant.algorithms) }
            let handshakes = (served + failed).sorted { $0.number < $1.number }
            guard let first = served.first?.observed,
                let leaf = try? CertificateLoading.certificate(der: leafDER)
            else {
                notes.append("a certificate the server sent could not be decoded")
                continue
            }
            let sent = first.chain.dropFirst().compactMap { try? CertificateLoading.certificate(der: $0) }
            let (issuer, source) = ChainAnalysis.issuer(of: leaf, sent: sent, anchors: options.trustAnchors)
            let trust = ChainAnalysis.trust(of: leaf, sent: sent, anchors: options.trustAnchors)
            var staples: [StapleEvidence] = []
            for record in served {
                guard let bytes = record.observed?.staple else { continue }
                if let index = staples.firstIndex(where: { $0.bytes == bytes }) {
                    staples[index].handshakes.append(record.number)
                } else {
                    let verification = issuer.map {
                        verifier.verify(response: bytes, certificate: leaf, issuer: $0, now: now())
                    }
                    staples.append(
                        StapleEvidence(bytes: bytes, verification: verification, handshakes: [record.number]))
                }
            }
            var responderEvidence: ResponderEvidence?
            if options.fetch {
                if let responder, let issuer {
                    responderEvidence = await responder.ask(certificate: leaf, issuer: issuer, now: now)
                } else {
                    responderEvidence = .failed(reason: "the issuer is unknown, so no request can be made")
                }
            }
            let evidence = DeploymentEvidence(
                leaf: leaf, chainSent: sent, issuer: issuer, issuerSource: source, trust: trust,
                handshakes: handshakes, staples: staples, responder: responderEvidence)
            reports.append(judge.judge(evidence, now: now()))
        }
        let found = Set(records.filter { $0.observed != nil }.map(\.variant.algorithms))
        for algorithms in [TLSSignatureAlgorithms.ecdsa, .rsa] where !found.contains(algorithms) {
            let failure = records.first { $0.variant.algorithms == algorithms }
            if case .failure(let error) = failure?.outcome {
                notes.append("no \(algorithms.rawValue.uppercased()) certificate: \(error.reason)")
            }
        }
        return (reports, notes)
    }
}

/// Checks many targets concurrently, at most `parallel` at a time, results in input order.
package struct CheckRunner: Sendable {
    package var checker: StapleChecker
    /// Targets in flight at once (`--parallel`); each makes one connection at a time.
    package var parallel: Int

    package static let defaultParallel = 16

    package init(checker: StapleChecker, parallel: Int = defaultParallel) {
        self.checker = checker
        self.parallel = max(1, parallel)
    }

    package func run(_ targets: [CheckTarget]) async -> CheckReport {
        let checker = checker
        let reports = await withTaskGroup(of: (Int, TargetReport).self) { group -> [TargetReport] in
            var results = [TargetReport?](repeating: nil, count: targets.count)
            var next = 0
            func start(_ index: Int) {
                group.addTask { (index, await checker.check(targets[index])) }
            }
            while next < min(parallel, targets.count) {
                start(next)
                next += 1
            }
            for await (index, report) in group {
                results[index] = report
                if next < targets.count {
                    start(next)
                    next += 1
                }
            }
            return results.compactMap { $0 }
        }
        return CheckReport(targets: reports, policy: checker.options.policy)
    }
}
