/// What one `--once` or `--renewed` pass left installed, and the verdict its exit status comes from.
package struct PassReport: Sendable {
    /// The worst of the sites.
    package enum Verdict: Sendable, Hashable {
        /// Every site has a verified good staple installed in every output.
        case stapled
        /// Some site has none for a reason a person must look at: revoked, unknown, rejected, a
        /// responder error, an output that refused or failed.
        case judged
        /// Some site has none because its responder could not be reached (and no site is `judged`).
        case unreachable
    }

    package var status: RunStatus

    package init(_ status: RunStatus) { self.status = status }

    /// `judged` wins over `unreachable`: it needs a person, an outage may heal by itself.
    package var verdict: Verdict {
        let missing = status.sites.filter { !$0.stapled }
        if missing.isEmpty { return .stapled }
        return missing.contains { $0.revoked || $0.lastFetch != "network" } ? .judged : .unreachable
    }
}
