import LoopbackServers

/// The demo's waits for its servers and its ports, over ``ListenerWait`` and ``LoopbackPort``: never
/// connects (a bare connection makes some servers spin, and every connection to `staple serve`
/// would be a handshake the story did not make), and shows the wait on the progress line.
package enum PortProbe {
    /// Waits until `child` listens on `port`, showing `waiting` on the progress line.
    ///
    /// - Throws: ``DemoError`` `cannotStart` when it exits first or does not listen within `timeout`,
    ///   with the end of its output.
    package static func wait(
        for child: ChildProcess, port: Int, what: String, progress: Progress, timeout: Duration = .seconds(30)
    ) async throws(DemoError) {
        defer { progress.clear() }
        let outcome = await ListenerWait.wait(
            port: port, timeout: timeout, alive: { child.isRunning },
            waiting: { progress.show("waiting for \(what) to listen on 127.0.0.1:\(port)", elapsed: $0) })
        switch outcome {
        case .listening:
            return
        case .exited:
            throw DemoError(
                .cannotStart, subject: what,
                reason:
                    "exited with status \(child.poll() ?? -1) before listening on port \(port); its output:\n\(child.tail())"
            )
        case .timedOut:
            throw DemoError(
                .cannotStart, subject: what,
                reason: "did not listen on port \(port) within \(timeout); its output:\n\(child.tail())")
        }
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    ///
    /// - Throws: ``DemoError`` `cannotStart` when no socket can be bound.
    package static func freePort() throws(DemoError) -> Int {
        do {
            return try LoopbackPort.free()
        } catch {
            throw DemoError(.cannotStart, subject: error.subject, reason: error.reason)
        }
    }
}
