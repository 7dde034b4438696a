/// How one nginx reload cycle ended (``NginxReloader``): the label of `staple_run_reloads_total`.
package enum ReloadOutcome: String, Sendable, CaseIterable {
    /// nginx reloaded and every site that has a confirm target served what was installed.
    case confirmed
    /// nginx reloaded; no site of the batch had a confirm target, so nothing could be checked.
    case reloaded
    /// nginx reloaded, but a site's handshake did not carry what was installed (``OutputErrorCode/unconfirmed``).
    case unconfirmed
    /// The reload itself failed: the command exited non-zero or the pid file was unusable.
    case failed
}

/// How one push over HAProxy's runtime API ended (``HAProxyOutput``): the label of `staple_run_pushes_total`.
package enum PushOutcome: String, Sendable, CaseIterable {
    /// HAProxy answered `OCSP Response updated!`.
    case updated
    /// HAProxy answered something else (``OutputErrorCode/runtimeRefused``).
    case refused
    /// HAProxy could not be asked (no socket, connection refused, timeout).
    case failed
}

/// What the nginx and HAProxy outputs report as they work, for metrics (``RunMetrics`` conforms).
///
/// Called synchronously from the reloader's actor and the output's install; must not block.
package protocol OutputObserver: Sendable {
    func reloaded(_ outcome: ReloadOutcome)
    func pushed(_ outcome: PushOutcome)
}
