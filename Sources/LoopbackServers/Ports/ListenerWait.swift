/// Waiting until a server just started listens on its port, without connecting to it.
package enum ListenerWait {
    /// How a wait ended.
    package enum Outcome: Sendable, Equatable {
        /// Something listens on the port.
        case listening
        /// `alive` turned false first: the server exited before it listened.
        case exited
        /// Neither within the timeout.
        case timedOut
    }

    /// Checks ``ListenerTable/isListening(port:)`` every `interval` until it is true, `alive` turns
    /// false, or `timeout` passes; calls `waiting` with the time elapsed after each check that found
    /// nothing (a progress line).
    ///
    /// - Important: `timeout` bounds a broken environment (a server that neither listens nor exits);
    ///   it is not a timing assertion.
    package static func wait(
        port: Int, timeout: Duration, interval: Duration = .milliseconds(25),
        alive: () -> Bool = { true }, waiting: (Duration) -> Void = { _ in }
    ) async -> Outcome {
        let clock = ContinuousClock()
        let start = clock.now
        while clock.now - start < timeout {
            if ListenerTable.isListening(port: port) { return .listening }
            guard alive() else { return .exited }
            waiting(clock.now - start)
            try? await Task.sleep(for: interval)
        }
        return ListenerTable.isListening(port: port) ? .listening : .timedOut
    }
}
