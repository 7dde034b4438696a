import Foundation
import Logging
import NIOConcurrencyHelpers
import OCSPCore
import ServiceLifecycle
import StapleFiles

/// Polls the index files every `pollInterval` and has ``IndexReloader`` act on changes: the
/// Service the executable runs.
package struct IndexWatcher: Service {
    package let reloader: IndexReloader
    package let pollInterval: Duration

    package init(reloader: IndexReloader, pollInterval: Duration = .milliseconds(500)) {
        self.reloader = reloader
        self.pollInterval = pollInterval
    }

    package func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    try await Task.sleep(for: pollInterval)
                    reloader.poll()
                }
            }
        } catch is CancellationError {
            // Graceful shutdown: nothing to finish.
        }
    }
}

/// Keeps the snapshot in service current: re-reads an index when its file changes, re-signs what
/// is due, and reloads keys and certificates on request (SIGHUP).
///
/// Reloads are atomic: the next snapshot is built aside and swapped in whole; an index that does
/// not parse (half-written, broken) leaves the previous one in service and is logged.
package final class IndexReloader: Sendable {
    private let state: ResponderState
    private let sources: [AuthorityFiles]
    private let clock: @Sendable () -> Date
    private let logger: Logger
    /// The stamps of the index files last read; also serialises polls (one at a time).
    private let stamps: NIOLockedValueBox<[FileStamp?]>
    private let credentialReload = NIOLockedValueBox(false)

    /// - Parameters:
    ///   - sources: the CAs, in the order of the snapshot's authorities.
    ///   - stamps: the index files' stamps when the snapshot in service was read.
    package init(
        state: ResponderState, sources: [AuthorityFiles], stamps: [FileStamp?],
        clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.state = state
        self.sources = sources
        self.stamps = NIOLockedValueBox(stamps)
        self.clock = clock
        self.logger = logger
    }

    /// Reads every CA's files, signs every serial ahead and returns the first snapshot with the files' stamps.
    ///
    /// - Throws: ``ResponderError`` naming the file that cannot be used.
    package static func initialSnapshot(
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
    package func requestCredentialReload() {
        credentialReload.withLockedValue { $0 = true }
    }

    /// One round: reload what changed, re-sign what is due, publish if anything moved.
    ///
    /// Blocking (file reads, signatures): the watcher calls it from its own task, tests from a thread.
    package func poll() {
        stamps.withLockedValue { stamps in poll(stamps: &stamps) }
    }

    private func poll(stamps: inout [FileStamp?]) {
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
