import Foundation
import OCSPCore
import StapleFleet
import Stapling
import Synchronization

/// The shared store as an in-memory table with the same rules as the SQL (lease claims, monotonic
/// writes, the replace-exactly-these-invalid-bytes case), for the decisions around it without
/// PostgreSQL. The PostgreSQL tests check the SQL itself.
final class MemoryStapleStore: SharedStapleStore {
    private let rows = Mutex<[CertificateKey: StapleRow]>([:])
    private let versions = Mutex<Int64>(0)
    /// Set to make every call fail as if PostgreSQL were down.
    let down = Mutex(false)

    func row(_ key: CertificateKey) -> StapleRow? { rows.withLock { $0[key] } }
    func set(_ row: StapleRow) { rows.withLock { $0[row.key] = row } }

    private func check() throws(FleetError) {
        if down.withLock({ $0 }) { throw FleetError(.unreachable, "memory store down") }
    }

    func read(_ key: CertificateKey) async throws(FleetError) -> StapleRow? {
        try check()
        return row(key)
    }

    func claim(_ key: CertificateKey, serial: String, owner: String, duration: TimeInterval) async throws(FleetError)
        -> StoreQueries.Claim
    {
        try check()
        return rows.withLock { rows in
            var row = rows[key] ?? StapleRow(key: key)
            let now = Date()
            if let expires = row.leaseExpires, expires > now, row.leaseOwner != owner {
                rows[key] = row
                return .held(row)
            }
            row.leaseOwner = owner
            row.leaseExpires = now.addingTimeInterval(duration)
            rows[key] = row
            return .claimed(until: row.leaseExpires!)
        }
    }

    func write(
        _ staple: Staple, key: CertificateKey, serial: String, refreshAt: Date?, owner: String,
        replacingInvalid: [UInt8]?
    ) async throws(FleetError) -> Int64? {
        try check()
        let version = versions.withLock {
            $0 += 1
            return $0
        }
        return rows.withLock { rows in
            var row = rows[key] ?? StapleRow(key: key)
            let replaces =
                row.response == nil || row.thisUpdate.map { $0 < staple.thisUpdate } ?? true
                || (replacingInvalid != nil && row.response.map(StoreQueries.digest) == replacingInvalid)
            guard replaces else { return nil }
            row.response = staple.bytes
            row.thisUpdate = staple.thisUpdate
            row.nextUpdate = staple.nextUpdate
            row.refreshAt = refreshAt
            row.version = version
            row.writtenBy = owner
            row.age = 0
            if row.leaseOwner == owner {
                row.leaseOwner = nil
                row.leaseExpires = nil
            }
            rows[key] = row
            return version
        }
    }

    func release(_ key: CertificateKey, owner: String) async throws(FleetError) {
        try check()
        rows.withLock { rows in
            guard rows[key]?.leaseOwner == owner else { return }
            rows[key]?.leaseOwner = nil
            rows[key]?.leaseExpires = nil
        }
    }

    func changes(since: Date?) async throws(FleetError) -> (updates: [StoreUpdate], now: Date) {
        try check()
        let updates = rows.withLock { $0.values.filter { $0.version > 0 } }.map {
            StoreUpdate(key: $0.key, version: $0.version, thisUpdate: $0.thisUpdate)
        }
        return (updates, Date())
    }
}

/// A responder behind the ``ResponseSource`` protocol: signs a fresh good response for each request
/// with the test CA (or returns what `answer` says), judging it as ``StapleFetch`` does, and counts.
final class CountingSource: ResponseSource {
    let pki: TestPKIHandle
    private let count = Mutex(0)
    private let delay: Duration

    init(pki: TestPKIHandle, delay: Duration = .zero) {
        self.pki = pki
        self.delay = delay
    }

    var requests: Int { count.withLock { $0 } }

    func response(for request: StapleRequest, now: @escaping @Sendable () -> Date) async -> StapleFetchOutcome {
        count.withLock { $0 += 1 }
        if delay > .zero { try? await Task.sleep(for: delay) }
        let bytes = (try? pki.sign(request.certificate)) ?? []
        let judgement = StapleJudgement(
            response: bytes, certificate: request.certificate, issuer: request.issuer, verifier: OCSPVerifier(),
            currentThisUpdate: request.currentThisUpdate, policy: request.policy, now: now())
        return StapleFetchOutcome(judgement: judgement, responderURL: "http://counting.test/")
    }
}
