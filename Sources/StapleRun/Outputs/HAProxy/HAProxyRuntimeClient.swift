import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// HAProxy's runtime API (the `stats socket`), one command per connection: sends the line, reads
/// the answer until HAProxy closes, as `socat stdio unix-connect:...` does. Plain blocking sockets on
/// a thread of their own, bounded by ``timeout``.
package struct HAProxyRuntimeClient: Sendable {
    package let socket: HAProxyOutputConfiguration.Socket
    package let timeout: TimeInterval

    /// The answer HAProxy 2.6 gives to an accepted `set ssl ocsp-response`.
    package static let updated = "OCSP Response updated!"
    /// Ten seconds for connecting, sending and the whole answer.
    package static let defaultTimeout: TimeInterval = 10
    /// Answers longer than this are cut (an answer to one command is a line or two).
    static let maximumAnswer = 64 * 1024

    package init(socket: HAProxyOutputConfiguration.Socket, timeout: TimeInterval = Self.defaultTimeout) {
        self.socket = socket
        self.timeout = timeout
    }

    /// `unix@/run/haproxy/admin.sock` or `tcp@127.0.0.1:9999`: for logs and error subjects.
    package var description: String {
        switch socket {
        case .unix(let path): "unix@\(path)"
        case .tcp(let host, let port): "tcp@\(host):\(port)"
        }
    }

    /// `set ssl ocsp-response <base64>`: installs `response` in the running HAProxy, no reload.
    ///
    /// - Throws: ``OutputError`` `.runtimeRefused` carrying HAProxy's answer when it is not
    ///   `OCSP Response updated!`; `.unreachable`, `.socketPathTooLong` or `.invalidAddress` when it
    ///   cannot be asked.
    package func setOCSPResponse(_ response: [UInt8]) async throws(OutputError) {
        let answer = try await send("set ssl ocsp-response \(Data(response).base64EncodedString())\n")
        guard answer == Self.updated else {
            throw OutputError(
                .runtimeRefused, subject: description,
                reason: "HAProxy answered \"\(answer.isEmpty ? "(nothing)" : answer)\" instead of \"\(Self.updated)\"")
        }
    }

    /// Sends one command line and returns the answer, trimmed.
    package func send(_ command: String) async throws(OutputError) -> String {
        let result: Result<String, OutputError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do throws(OutputError) {
                    continuation.resume(returning: .success(try exchange(command)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    private func exchange(_ command: String) throws(OutputError) -> String {
        let fd = try connect()
        defer { close(fd) }
        let bytes = Array(command.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure(.unreachable, "sending the command: \(errnoText())")
            }
            offset += written
        }
        // Like `echo ... | socat`: the command is complete; HAProxy answers and closes.
        shutdown(fd, Int32(SHUT_WR))
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while answer.count < Self.maximumAnswer {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    throw failure(.unreachable, "no complete answer within \(timeout) s")
                }
                throw failure(.unreachable, "reading the answer: \(errnoText())")
            }
            if count == 0 { break }
            answer += buffer[..<count]
        }
        return String(decoding: answer, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func connect() throws(OutputError) -> Int32 {
        switch socket {
        case .unix(let path):
            let bytes = Array(path.utf8)
            guard bytes.count <= HAProxyOutputConfiguration.maximumUnixSocketPathLength else {
                throw failure(
                    .socketPathTooLong,
                    "the path is \(bytes.count) bytes; HAProxy binds Unix sockets of at most "
                        + "\(HAProxyOutputConfiguration.maximumUnixSocketPathLength) bytes: use a shorter path "
                        + "or a TCP socket (tcp:127.0.0.1:9999)")
            }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: bytes)
                raw[bytes.count] = 0
            }
            let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw failure(.unreachable, "socket: \(errnoText())") }
            setTimeouts(fd)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard connected == 0 else {
                let reason = errnoText()
                close(fd)
                throw failure(.unreachable, "cannot connect: \(reason) (is HAProxy running with this stats socket?)")
            }
            return fd
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, "\(port)", &hints, &list)
            guard status == 0, let first = list else {
                throw failure(.invalidAddress, "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
            }
            defer { freeaddrinfo(list) }
            var reason = "no address"
            var entry: UnsafeMutablePointer<addrinfo>? = first
            while let current = entry {
                let fd = Glibc.socket(
                    current.pointee.ai_family, current.pointee.ai_socktype, current.pointee.ai_protocol)
                if fd >= 0 {
                    setTimeouts(fd)
                    if Glibc.connect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 { return fd }
                    reason = errnoText()
                    close(fd)
                }
                entry = current.pointee.ai_next
            }
            throw failure(.unreachable, "cannot connect: \(reason) (is HAProxy running with this stats socket?)")
        }
    }

    /// Bounds connect (on Linux), every write and every read by ``timeout``.
    private func setTimeouts(_ fd: Int32) {
        let whole = max(timeout, 0.001)
        var value = timeval(tv_sec: Int(whole), tv_usec: Int((whole - whole.rounded(.down)) * 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    private func failure(_ code: OutputError.Code, _ reason: String) -> OutputError {
        OutputError(code, subject: description, reason: reason)
    }

    private func errnoText() -> String { String(cString: strerror(errno)) }
}
