import Foundation

/// Whether something listens on a TCP port, read from `/proc/net/tcp` and `/proc/net/tcp6`.
///
/// Never connects: a bare connection makes some servers (`openssl ocsp`) spin, and every
/// connection to `staple serve` would be a handshake the story did not make. Needs no `ss`.
package enum PortProbe {
    /// Whether a socket in state LISTEN has local port `port`.
    package static func isListening(port: Int) -> Bool {
        let hex = String(format: ":%04X", port)
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            // Read to the end: `String(contentsOfFile:)` stops after the first page of a /proc file
            // (its size is 0), which holds only the first ~26 sockets of a busy machine.
            guard let data = FileHandle(forReadingAtPath: table)?.readDataToEndOfFile(),
                let text = String(data: data, encoding: .utf8)
            else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                // sl local_address rem_address st ...; st 0A is TCP_LISTEN.
                guard fields.count > 3, fields[3] == "0A", fields[1].hasSuffix(hex) else { continue }
                return true
            }
        }
        return false
    }

    /// Waits until `child` listens on `port`, showing `waiting` on the progress line.
    ///
    /// - Throws: ``DemoError`` `cannotStart` when it exits first or does not listen within `timeout`,
    ///   with the end of its output.
    package static func wait(
        for child: ChildProcess, port: Int, what: String, progress: Progress, timeout: Duration = .seconds(30)
    ) async throws(DemoError) {
        let clock = ContinuousClock()
        let start = clock.now
        defer { progress.clear() }
        while clock.now - start < timeout {
            if isListening(port: port) { return }
            if let status = child.poll() {
                throw DemoError(
                    .cannotStart, subject: what,
                    reason:
                        "exited with status \(status) before listening on port \(port); its output:\n\(child.tail())")
            }
            progress.show("waiting for \(what) to listen on 127.0.0.1:\(port)", elapsed: clock.now - start)
            try? await Task.sleep(for: .milliseconds(25))
        }
        throw DemoError(
            .cannotStart, subject: what,
            reason: "did not listen on port \(port) within \(timeout); its output:\n\(child.tail())")
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read, released).
    package static func freePort() throws(DemoError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DemoError(.cannotStart, subject: "127.0.0.1", reason: "socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else {
            throw DemoError(.cannotStart, subject: "127.0.0.1", reason: "no free port: errno \(errno)")
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
