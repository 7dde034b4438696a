import Foundation
import Logging
import NIOConcurrencyHelpers
import OCSPCore
import ServiceLifecycle

/// Keeps the snapshot in service current: re-reads an index when its file changes, re-signs what
/// is due, and reloads keys and certificates on request (SIGHUP). A Service, run by the executable.
///
/// Reloads are atomic: the next snapshot is built aside and swapped in whole; an index that does
/// not parse (half-written, broken) leaves the previous one in service and is logged.
public actor IndexWatcher: Service {
    private let state: ResponderState
    private let sources: [AuthorityFiles]
    private let pollInterval: Duration
    private let clock: @Sendable () -> Date
    private let logger: Logger
    private var stamps: [FileStamp?]
    private let credentialReload = NIOLockedValueBox(false)

    /// - Parameters:
    ///   - sources: the CAs, in the order of the snapshot's authorities.
    ///   - stamps: the index files' stamps when the snapshot in service was read.
    public init(
        state: ResponderState, sources: [AuthorityFiles], stamps: [FileStamp?], pollInterval: Duration = .milliseconds(500),
        clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.state = state
        self.sources = sources
        self.stamps = stamps
        self.pollInterval = pollInterval
        self.clock = clock
        self.logger = logger
    }

    /// Reads every CA's files, signs every serial ahead and returns the first snapshot with the files' stamps.
    ///
    /// - Throws: ``ResponderError`` naming the file that cannot be used.
    public static func initialSnapshot(
        sources: [AuthorityFiles], policy: ResponderPolicy, now: Date
    ) throws(ResponderError) -> (ResponderSnapshot, [FileStamp?], signed: Int) {
        var authorities: [AuthorityState] = []
        var stamps: [FileStamp?] = []
        var signed = 0
        for source in sources {
            let stamp = FileStamp(path: source.indexPath)
            var authority = AuthorityState(authority: try source.loadAuthority(), index: try source.loadIndex())
            let plan = PresignPlan(index: authority.index, cache: authority.cache, now: now, refresh: policy.refresh)
            signed += try Presigner.apply(plan, to: &authority, now: now, validity: policy.validity)
            authorities.append(authority)
            stamps.append(stamp)
        }
        return (ResponderSnapshot(authorities: authorities, policy: policy), stamps, signed)
    }

    /// Asks for keys and certificates to be read again at the next poll (safe from a signal handler task).
    public nonisolated func requestCredentialReload() {
        credentialReload.withLockedValue { $0 = true }
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    try await Task.sleep(for: self.pollInterval)
                    await self.poll()
                }
            }
        } catch is CancellationError {
            // Graceful shutdown: nothing to finish.
        }
    }

    /// One round: reload what changed, re-sign what is due, publish if anything moved.
    public func poll() {
        let now = clock()
        var snapshot = state.snapshot
        var moved = false
        var changed: [Int: Date] = [:]
        let reloadCredentials = credentialReload.withLockedValue { flag in
            defer { flag = false }
            return flag
        }
        for (position, source) in sources.enumerated() {
            if reloadCredentials {
                do {
                    let authority = try source.loadAuthority()
                    snapshot.authorities[position].authority = authority
                    snapshot.authorities[position].cache = PresignedCache()
                    moved = true
                    logger.notice("reloaded keys and certificates", metadata: ["ocsp.ca": "\(source.name)"])
                } catch {
                    logger.error(
                        "keys and certificates not reloaded, the previous ones stay in service",
                        metadata: ["ocsp.ca": "\(source.name)", "error": "\(error)"])
                }
            }
            let stamp = FileStamp(path: source.indexPath)
            if stamp != stamps[position] {
                stamps[position] = stamp
                do {
                    let index = try source.loadIndex()
                    let change = IndexChange(from: snapshot.authorities[position].index, to: index)
                    snapshot.authorities[position].index = index
                    state.metrics.reloaded(authority: source.name, ok: true)
                    if !change.isEmpty {
                        moved = true
                        changed[position] = stamp?.modified ?? now
                        logger.notice(
                            "index reloaded",
                            metadata: [
                                "ocsp.ca": "\(source.name)", "index.path": "\(source.indexPath)",
                                "cert.serials": "\(change.serials.joined(separator: ","))",
                                "index.added": "\(change.added.count)", "index.changed": "\(change.changed.count)",
                                "index.removed": "\(change.removed.count)",
                            ])
                    }
                } catch {
                    state.metrics.reloaded(authority: source.name, ok: false)
                    logger.error(
                        "index not reloaded, the previous one stays in service",
                        metadata: ["ocsp.ca": "\(source.name)", "error": "\(error)"])
                }
            }
            var authority = snapshot.authorities[position]
            let plan = PresignPlan(
                index: authority.index, cache: authority.cache, now: now, refresh: snapshot.policy.refresh)
            if !plan.isEmpty {
                do {
                    let signed = try Presigner.apply(plan, to: &authority, now: now, validity: snapshot.policy.validity)
                    state.metrics.presigned(signed)
                    snapshot.authorities[position] = authority
                    moved = true
                } catch {
                    logger.error("re-signing failed", metadata: ["ocsp.ca": "\(source.name)", "error": "\(error)"])
                }
            }
            if let oldest = snapshot.authorities[position].cache.oldestSignature {
                state.metrics.cacheAge(now.timeIntervalSince(oldest), authority: source.name)
            }
        }
        if moved {
            snapshot.generation += 1
            state.publish(snapshot, changed: changed)
        }
    }
}
