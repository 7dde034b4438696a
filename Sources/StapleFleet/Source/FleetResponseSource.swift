import Foundation
import Logging
import OCSPCore
import Stapling

/// A ``ResponseSource`` that shares fetches across a fleet through the store: the engine asks it as
/// it would ask ``StapleFetch``, and judges whatever it returns, so a node never trusts the store.
///
/// For a certificate that is due (or that a notification announced):
/// 1. read its row (an announced one comes with the row the listener read); a verified response newer than the node's own staple and not yet due for
///    refresh (or announced) is returned: "from the store" (``RowDecision``);
/// 2. otherwise claim the row's lease; the winner fetches through `inner`, writes a newer verified
///    staple with the monotonic upsert (which NOTIFYs) and releases the lease;
/// 3. a node that lost the claim waits for the holder's write, at most until the lease ends, then
///    re-reads the row: it installs the write, claims again when the lease has expired, fetches
///    alone when it has nothing to serve, or else reports the lease to the engine, which retries
///    later (``LeaseWaitDecision``);
/// 4. when the store is unreachable, it fetches alone (logged) and keeps the staple to write once
///    the store is back (``UpdateHub``).
package struct FleetResponseSource: ResponseSource {
    package let inner: any ResponseSource
    package let store: any SharedStapleStore
    package let hub: UpdateHub
    package let owner: String
    package let leaseDuration: TimeInterval
    package let verifier: OCSPVerifier
    package let metrics: FleetMetrics
    package let logger: Logger

    package init(
        inner: any ResponseSource, store: any SharedStapleStore, hub: UpdateHub, owner: String,
        leaseDuration: TimeInterval, verifier: OCSPVerifier = OCSPVerifier(), metrics: FleetMetrics = FleetMetrics(),
        logger: Logger
    ) {
        self.inner = inner
        self.store = store
        self.hub = hub
        self.owner = owner
        self.leaseDuration = leaseDuration
        self.verifier = verifier
        self.metrics = metrics
        self.logger = logger
    }

    package func response(for request: StapleRequest, now: @escaping @Sendable () -> Date) async -> StapleFetchOutcome {
        let key = CertificateKey(certificate: request.certificate)
        // A notification's row, as the listener just read it, or the row as it is now.
        let announcedRow = await hub.takeAnnouncement(key)
        let announced = announcedRow != nil
        let row: StapleRow?
        if let announcedRow {
            row = announcedRow
        } else {
            do {
                row = try await store.read(key)
            } catch {
                return await fetchAlone(request, key: key, now: now, because: error)
            }
        }
        let judged = judge(row, request: request, now: now())
        let decision = RowDecision.decide(row: row, judgement: judged?.judgement, announced: announced, now: now())
        if decision.rejected, let row, let judged { reportRejected(row, judged.judgement, request: request) }
        switch decision {
        case .install:
            return installFromStore(row, judged, announced: announced)
        case .alreadyHeld:
            return alreadyHeld(judged)
        case .fetch(let invalid, let fallback):
            return await claimAndFetch(
                request, key: key, now: now, replacingInvalid: invalid,
                fallback: fallback == nil ? nil : judged, seen: row?.version, attemptsLeft: 2)
        }
    }

    // MARK: Steps

    private struct Judged {
        var judgement: StapleJudgement
        var row: StapleRow
    }

    private func judge(_ row: StapleRow?, request: StapleRequest, now: Date) -> Judged? {
        guard let row, let bytes = row.response else { return nil }
        return Judged(
            judgement: StapleJudgement(
                response: bytes, certificate: request.certificate, issuer: request.issuer, verifier: verifier,
                currentThisUpdate: request.currentThisUpdate, policy: request.policy, now: now),
            row: row)
    }

    private func installFromStore(_ row: StapleRow?, _ judged: Judged?, announced: Bool) -> StapleFetchOutcome {
        guard let judged else { return StapleFetchOutcome() }
        metrics.fromStore.increment()
        let age = judged.row.ageNow
        if let age { metrics.propagation.record(age) }
        logger.debug(
            "Staple from the store",
            metadata: [
                "cert.key": "\(judged.row.key)", "store.version": "\(judged.row.version)",
                "store.written_by": "\(judged.row.writtenBy ?? "?")", "store.announced": "\(announced)",
                "store.age_seconds": "\(age.map { String(format: "%.3f", $0) } ?? "?")",
            ])
        return StapleFetchOutcome(judgement: judged.judgement, responderURL: "store:\(judged.row.writtenBy ?? "?")")
    }

    /// A notification's refresh found the row's staple installed already: the "not newer" judgement
    /// goes back to the engine, which keeps its staple and its schedule; nobody is asked.
    private func alreadyHeld(_ judged: Judged?) -> StapleFetchOutcome {
        guard let judged else { return StapleFetchOutcome() }
        logger.debug(
            "Announced staple already held",
            metadata: ["cert.key": "\(judged.row.key)", "store.version": "\(judged.row.version)"])
        return StapleFetchOutcome(judgement: judged.judgement, responderURL: "store:\(judged.row.writtenBy ?? "?")")
    }

    private func claimAndFetch(
        _ request: StapleRequest, key: CertificateKey, now: @escaping @Sendable () -> Date, replacingInvalid: [UInt8]?,
        fallback: Judged?, seen: Int64?, attemptsLeft: Int
    ) async -> StapleFetchOutcome {
        let claim: StoreQueries.Claim
        do {
            claim = try await store.claim(
                key, serial: request.serialNumberHex, owner: owner, duration: leaseDuration)
        } catch {
            return await fetchAlone(request, key: key, now: now, because: error)
        }
        switch claim {
        case .claimed:
            metrics.claimsWon.increment()
            if let written = await writtenMeanwhile(key, seen: seen, request: request, now: now) { return written }
            return await fetchLeased(request, key: key, now: now, replacingInvalid: replacingInvalid, fallback: fallback)
        case .held(let row):
            metrics.claimsLost.increment()
            let wait = LeaseWaitDecision.waitDuration(
                leaseExpires: row.leaseExpires, bound: leaseDuration + 1, now: now())
            logger.debug(
                "Lease held by another node: waiting for its write",
                metadata: [
                    "cert.key": "\(key)", "cert.serial": "\(request.serialNumberHex)",
                    "store.lease_owner": "\(row.leaseOwner ?? "?")", "store.wait_seconds": "\(String(format: "%.2f", wait))",
                ])
            let reread: StapleRow?
            do {
                reread = try await waitForWrite(key, after: row, seconds: wait)
            } catch {
                return await fetchAlone(request, key: key, now: now, because: error)
            }
            let judged = judge(reread, request: request, now: now())
            let rowDecision = RowDecision.decide(row: reread, judgement: judged?.judgement, announced: true, now: now())
            let servable = request.currentThisUpdate != nil
            switch LeaseWaitDecision.decide(
                after: rowDecision, leaseExpires: reread?.leaseExpires, servable: servable, now: now())
            {
            case .install:
                return installFromStore(reread, judged, announced: true)
            case .claimAgain where attemptsLeft > 1:
                let invalid: [UInt8]? =
                    if case .fetch(let invalid, _) = rowDecision { invalid } else { replacingInvalid }
                return await claimAndFetch(
                    request, key: key, now: now, replacingInvalid: invalid, fallback: fallback,
                    seen: reread?.version, attemptsLeft: attemptsLeft - 1)
            case .claimAgain, .fetchAlone:
                return await fetchAlone(
                    request, key: key, now: now,
                    because: FleetError(
                        .query, subject: key.hex,
                        reason: "the lease is held by \(reread?.leaseOwner ?? "another node") and nothing was written"))
            case .retryLater:
                return StapleFetchOutcome(failures: [
                    StapleFailure(
                        code: "fleet.lease-held",
                        reason:
                            "node \(reread?.leaseOwner ?? "?") holds the lease until \(reread?.leaseExpires?.iso8601 ?? "?") "
                            + "and has not written yet; retrying later",
                        serialNumberHex: request.serialNumberHex)
                ])
            }
        }
    }

    /// Waits until the row of `key` has a version above `row`'s (told by the listener, or seen in the
    /// row, read every 250 ms: the listener may not run yet at start-up), its lease ends, or `seconds`
    /// pass; returns the row as read last.
    private func waitForWrite(_ key: CertificateKey, after row: StapleRow, seconds: TimeInterval) async throws(FleetError)
        -> StapleRow?
    {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            let heard = await hub.waitForVersion(above: row.version, of: key, seconds: 0.25)
            let current = try await store.read(key)
            if heard || (current?.version ?? 0) > row.version { return current }
            if let expires = current?.leaseExpires, expires > Date() { continue }
            return current
        }
        return try await store.read(key)
    }

    /// The row another node wrote between this node's read and its claim (it fetched, wrote and
    /// released its lease in between): installed instead of asking the responder again, and the
    /// lease given back. Nil when the row is the one read, or not one to install.
    private func writtenMeanwhile(
        _ key: CertificateKey, seen: Int64?, request: StapleRequest, now: @escaping @Sendable () -> Date
    ) async -> StapleFetchOutcome? {
        guard let fresh = try? await store.read(key), fresh.version != seen else { return nil }
        let judged = judge(fresh, request: request, now: now())
        guard case .install = RowDecision.decide(row: fresh, judgement: judged?.judgement, announced: true, now: now())
        else { return nil }
        try? await store.release(key, owner: owner)
        return installFromStore(fresh, judged, announced: true)
    }

    private func fetchLeased(
        _ request: StapleRequest, key: CertificateKey, now: @escaping @Sendable () -> Date, replacingInvalid: [UInt8]?,
        fallback: Judged?
    ) async -> StapleFetchOutcome {
        metrics.fetchedLeased.increment()
        let outcome = await inner.response(for: request, now: now)
        if let staple = outcome.judgement?.acceptance.staple {
            do {
                let version = try await store.write(
                    staple, key: key, serial: request.serialNumberHex, refreshAt: refreshAt(staple, request, now: now()),
                    owner: owner, replacingInvalid: replacingInvalid)
                if let version {
                    await hub.observe(key, version: version)
                    logger.debug(
                        "Staple written to the store",
                        metadata: ["cert.key": "\(key)", "store.version": "\(version)"])
                } else {
                    // The row already held as new a staple: nothing written, so the write did not
                    // release the lease either; give it back rather than leave it until it expires.
                    try await store.release(key, owner: owner)
                    logger.debug(
                        "Staple not written: the store holds one as new",
                        metadata: ["cert.key": "\(key)", "staple.this_update": "\(staple.thisUpdate.iso8601)"])
                }
            } catch {
                metrics.storeErrors.increment()
                await hub.addPending(
                    UpdateHub.PendingWrite(
                        staple: staple, serial: request.serialNumberHex, refreshAt: refreshAt(staple, request, now: now())),
                    for: key)
                logger.warning(
                    "Staple fetched but not written to the store: written once it is back",
                    metadata: ["cert.key": "\(key)", "error.reason": "\(error)"])
            }
            return outcome
        }
        do {
            try await store.release(key, owner: owner)
        } catch {
            metrics.storeErrors.increment()
        }
        if let fallback {
            metrics.fromStore.increment()
            return StapleFetchOutcome(
                judgement: fallback.judgement, responderURL: "store:\(fallback.row.writtenBy ?? "?")",
                failures: outcome.failures)
        }
        return outcome
    }

    private func fetchAlone(
        _ request: StapleRequest, key: CertificateKey, now: @escaping @Sendable () -> Date, because error: FleetError
    ) async -> StapleFetchOutcome {
        metrics.storeErrors.increment()
        metrics.fetchedAlone.increment()
        logger.warning(
            "Fetching without the store",
            metadata: [
                "cert.key": "\(key)", "cert.serial": "\(request.serialNumberHex)", "error.reason": "\(error)",
            ])
        let outcome = await inner.response(for: request, now: now)
        if let staple = outcome.judgement?.acceptance.staple {
            await hub.addPending(
                UpdateHub.PendingWrite(
                    staple: staple, serial: request.serialNumberHex, refreshAt: refreshAt(staple, request, now: now())),
                for: key)
        }
        return outcome
    }

    private func reportRejected(_ row: StapleRow, _ judgement: StapleJudgement, request: StapleRequest) {
        RejectedRow.report(row, judgement, serial: request.serialNumberHex, metrics: metrics, logger: logger)
    }

    /// When the fleet should fetch again after `staple`: the latest refresh time of the policy (no
    /// jitter; each node's own schedule comes earlier, and the first node due fetches).
    private func refreshAt(_ staple: Staple, _ request: StapleRequest, now: Date) -> Date? {
        request.policy.refreshTime(
            thisUpdate: staple.thisUpdate, nextUpdate: staple.nextUpdate,
            certificateNotAfter: request.certificate.notValidAfter, now: now, jitter: 0)
    }
}
