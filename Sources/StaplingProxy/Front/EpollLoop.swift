internal import CLinuxEvents
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import TLSStapling

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What a front loop needs from the proxy.
struct FrontEnvironment: Sendable {
    /// The TLS context for a new connection: the latest reload's.
    var context: @Sendable () -> OpenSSLServerContext
    /// Takes a connection whose first application data waits in its session: from the call on, the
    /// descriptor and the session are the callee's (it adopts them into a channel on `loop`).
    var handOff: @Sendable (_ descriptor: Int32, _ session: ServerSocketSession, _ loop: any EventLoop) -> Void
    var logger: Logger
}

/// One handshake front thread: its own descriptor of the front's one listening socket, its own
/// edge-triggered `epoll`, and its connections until their handshake is done and their first record
/// is in, without a channel.
///
/// The shape of an nginx worker: `accept4` once per readiness of the (level-triggered, exclusive)
/// listening socket; each connection registered for reading (`EPOLLIN | EPOLLRDHUP | EPOLLET`), and for
/// writing (`EPOLLOUT`) only from the first time OpenSSL could not write all it had, and driven by
/// ``FrontConnection/advance()`` on every event; the handshake deadlines checked through
/// `epoll_wait`'s timeout. A connection that only says close_notify is answered and closed here;
/// one that sends data is removed from this `epoll` and handed to ``FrontEnvironment/handOff`` with
/// its session, for the channel on `eventLoop` (the loop this thread stands in front of).
///
/// `@unchecked Sendable`: the table, the deadlines and the listener are touched by the loop's own
/// thread only; other threads reach it through `control` (under its lock) and the `eventfd`.
final class EpollLoop: @unchecked Sendable {
    private struct Control {
        var stopAccepting = false
        var exit = false
        var open = 0
    }

    private let epoll: Int32
    private let wakeup: Int32
    private let eventLoop: any EventLoop
    private let environment: FrontEnvironment
    private let control = NIOLockedValueBox(Control())
    private let finished: EventLoopPromise<Void>

    // The loop thread's alone.
    private var listener: Int32
    private var table = FrontTable()
    private var deadlines = HandshakeDeadlines()
    private var nextSerial: UInt64 = 0
    private var acceptPausedUntil: UInt64?

    /// How long accepting pauses when the process is out of descriptors or memory.
    private static let acceptPause: UInt64 = 100_000_000
    private static let eventsPerWait: Int32 = 64
    private static let readable = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue
    /// What a connection is watched for until a write of OpenSSL's does not go through: watched for
    /// writability too, the loop would wake whenever an ACK frees send space (after each flight),
    /// for nothing (nginx watches the same way).
    private static let connectionEvents = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
    /// The listening socket is shared with the other loops (``ListeningSockets``): a connection wakes
    /// one loop that waits in `epoll_wait`, not all of them, and not one busy with a handshake.
    private static let listenerEvents = EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue

    /// - Parameter listener: a descriptor from ``ListeningSockets``, this loop's alone; the loop closes it.
    /// - Throws: `IOError` when the `epoll` or the `eventfd` cannot be made (then `listener` is still
    ///   the caller's).
    init(listener: Int32, eventLoop: any EventLoop, environment: FrontEnvironment) throws {
        let epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else { throw IOError(errnoCode: errno, reason: "epoll_create1") }
        let wakeup = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeup >= 0 else {
            let code = errno
            Glibc.close(epoll)
            throw IOError(errnoCode: code, reason: "eventfd")
        }
        self.epoll = epoll
        self.wakeup = wakeup
        self.listener = listener
        self.eventLoop = eventLoop
        self.environment = environment
        finished = eventLoop.makePromise(of: Void.self)
        guard Self.add(wakeup, events: EPOLLIN.rawValue, to: epoll),
            Self.add(listener, events: Self.listenerEvents, to: epoll)
        else {
            let code = errno
            finished.succeed(())
            self.listener = -1  // still the caller's: deinit must not close it
            throw IOError(errnoCode: code, reason: "epoll_ctl")
        }
    }

    deinit {
        if listener >= 0 { Glibc.close(listener) }  // a loop never started
        Glibc.close(epoll)
        Glibc.close(wakeup)
    }

    /// Connections in this front now (handshaking, or waiting for their first record).
    var openConnections: Int { control.withLockedValue { $0.open } }

    func start(name: String) {
        let thread = Thread { [self] in
            _ = staple_name_this_thread(String(name.prefix(15)))  // what ps and top show
            Self.blockBrokenPipeSignal()
            run()
        }
        thread.name = name
        thread.start()
    }

    /// Closes the listening socket; connections already accepted go on.
    func stopAccepting() {
        control.withLockedValue { $0.stopAccepting = true }
        wake()
    }

    /// Closes every connection still here, ends the thread and returns once it has ended.
    func stop() async {
        control.withLockedValue { $0.exit = true }
        wake()
        try? await finished.futureResult.get()
    }

    private func wake() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeup, &one, MemoryLayout<UInt64>.size)
    }

    // MARK: - The loop

    private func run() {
        var events = [epoll_event](repeating: epoll_event(), count: Int(Self.eventsPerWait))
        var exiting = false
        while !exiting {
            let timeout = waitTimeout(at: Self.now())
            let count = events.withUnsafeMutableBufferPointer {
                epoll_wait(epoll, $0.baseAddress, Self.eventsPerWait, timeout)
            }
            if count < 0 {
                guard errno == EINTR else {
                    environment.logger.error(
                        "Handshake front stopped: epoll_wait failed",
                        metadata: ["error": "\(IOError(errnoCode: errno, reason: "epoll_wait"))"])
                    break
                }
                continue
            }
            for index in 0..<Int(count) {
                let event = events[index]
                let descriptor = event.data.fd
                if descriptor == wakeup {
                    exiting = handleControl()
                } else if descriptor == listener {
                    accept()
                } else {
                    service(descriptor, events: event.events)
                }
            }
            let now = Self.now()
            expireHandshakes(at: now)
            resumeAccepting(at: now)
        }
        for descriptor in table.descriptors { closeConnection(descriptor) }
        closeListener()
        finished.succeed(())
    }

    private func waitTimeout(at now: UInt64) -> Int32 {
        var timeout = deadlines.millisecondsUntilNext(at: now) { [self] in isHandshaking($0) }
        if let until = acceptPausedUntil {
            let pause = until > now ? Int32((until - now + 999_999) / 1_000_000) : 0
            timeout = timeout < 0 ? pause : min(timeout, pause)
        }
        return timeout
    }

    private func handleControl() -> Bool {
        var value: UInt64 = 0
        _ = Glibc.read(wakeup, &value, MemoryLayout<UInt64>.size)
        let (stopAccepting, exit) = control.withLockedValue { ($0.stopAccepting, $0.exit) }
        if stopAccepting { closeListener() }
        return exit
    }

    private func closeListener() {
        guard listener >= 0 else { return }
        // Removed first: the other loops' descriptors keep the socket open, and an epoll entry
        // leaves with the socket, not with one of its descriptors.
        _ = epoll_ctl(epoll, Int32(EPOLL_CTL_DEL), listener, nil)
        Glibc.close(listener)
        listener = -1
        acceptPausedUntil = nil
    }

    // MARK: - Accepting

    private func accept() {
        let descriptor = staple_accept4(listener, nil, nil, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
        guard descriptor >= 0 else { return acceptFailed(errno) }
        let context = environment.context()
        let session: ServerSocketSession
        do {
            session = try ServerSocketSession(context: context, socket: descriptor)
        } catch {
            environment.logger.warning("Cannot start TLS on a new connection", metadata: ["error": "\(error)"])
            Glibc.close(descriptor)
            return
        }
        guard Self.add(descriptor, events: Self.connectionEvents, to: epoll) else {
            environment.logger.warning(
                "Cannot watch a new connection",
                metadata: ["error": "\(IOError(errnoCode: errno, reason: "epoll_ctl"))"])
            Glibc.close(descriptor)
            return
        }
        nextSerial &+= 1
        table.insert(FrontConnection(session: session, serial: nextSerial), at: descriptor)
        control.withLockedValue { $0.open += 1 }
        let timeout = ServerSocketSession.handshakeTimeout(of: context).nanoseconds
        deadlines.add(
            .init(deadline: Self.now() &+ UInt64(max(0, timeout)), descriptor: descriptor, serial: nextSerial))
    }

    private func acceptFailed(_ code: Int32) {
        switch code {
        case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED, EPROTO:
            return  // another thread's, or the peer's, not ours
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
            // The listening socket stays readable: pause, or this loop would spin.
            environment.logger.warning(
                "Cannot accept connections for now; pausing 100 ms",
                metadata: ["error": "\(IOError(errnoCode: code, reason: "accept4"))"])
            _ = epoll_ctl(epoll, Int32(EPOLL_CTL_DEL), listener, nil)
            acceptPausedUntil = Self.now() &+ Self.acceptPause
        default:
            environment.logger.warning(
                "Cannot accept a connection", metadata: ["error": "\(IOError(errnoCode: code, reason: "accept4"))"])
        }
    }

    private func resumeAccepting(at now: UInt64) {
        guard let until = acceptPausedUntil, until <= now else { return }
        acceptPausedUntil = nil
        guard listener >= 0 else { return }
        _ = Self.add(listener, events: Self.listenerEvents, to: epoll)
    }

    // MARK: - Connections

    private func service(_ descriptor: Int32, events: UInt32) {
        let outcome = table.update(descriptor) { connection -> FrontConnection.Outcome in
            // A writable edge alone matters only when OpenSSL waits to write.
            guard events & Self.readable != 0 || connection.waitsToWrite else { return .wait }
            return connection.advance()
        }
        switch outcome {
        case nil:
            return
        case .wait?:
            watchWritabilityIfWaiting(descriptor)
        case .handOff?:
            _ = epoll_ctl(epoll, Int32(EPOLL_CTL_DEL), descriptor, nil)
            guard let connection = table.remove(descriptor) else { return }
            // Counted by the proxy from the call on, so the total open never dips.
            environment.handOff(descriptor, connection.session, eventLoop)
            control.withLockedValue { $0.open -= 1 }
        case .answerCloseNotifyAndClose?:
            table.update(descriptor) { $0.session.closeNotify() }
            closeConnection(descriptor)
        case .fail(let error)?:
            logFailure(descriptor, error)
            closeConnection(descriptor)
        }
    }

    /// Adds `EPOLLOUT` the first time the connection's session waits for the socket to take more
    /// (a flight larger than the send buffer); it stays on for the rest of the connection's time here.
    /// Modifying the registration re-checks readiness, so space freed before the call is not missed.
    private func watchWritabilityIfWaiting(_ descriptor: Int32) {
        let newlyWaiting = table.update(descriptor) { connection -> Bool in
            guard connection.waitsToWrite, !connection.watchesWritability else { return false }
            connection.watchesWritability = true
            return true
        }
        guard newlyWaiting == true else { return }
        var event = epoll_event()
        event.events = Self.connectionEvents | EPOLLOUT.rawValue
        event.data.fd = descriptor
        guard epoll_ctl(epoll, Int32(EPOLL_CTL_MOD), descriptor, &event) == 0 else {
            // Without it the handshake could only time out: end it now.
            logFailure(descriptor, TLSError(.handshakeFailed, "cannot watch the socket for writing: errno \(errno)"))
            return closeConnection(descriptor)
        }
    }

    private func isHandshaking(_ entry: HandshakeDeadlines.Entry) -> Bool {
        guard let connection = table[entry.descriptor] else { return false }
        return connection.serial == entry.serial && connection.phase == .handshaking
    }

    private func expireHandshakes(at now: UInt64) {
        for entry in deadlines.due(at: now) where isHandshaking(entry) {
            let timeout = ServerSocketSession.handshakeTimeout(of: environment.context())
            logFailure(entry.descriptor, TLSError(.handshakeTimeout, "no completed handshake within \(timeout)"))
            closeConnection(entry.descriptor)
        }
    }

    /// Frees the session, then closes the socket (which also leaves the epoll set).
    private func closeConnection(_ descriptor: Int32) {
        guard table.remove(descriptor) != nil else { return }
        Glibc.close(descriptor)
        control.withLockedValue { $0.open -= 1 }
    }

    /// At debug level, as the channel path logs its connections' failures: hostile peers are routine.
    private func logFailure(_ descriptor: Int32, _ error: TLSError) {
        environment.logger.debug(
            "Connection error", metadata: ["proxy.peer": "\(PeerName.of(descriptor))", "error": "\(error)"])
    }

    // MARK: - System

    /// OpenSSL writes to the socket with `write(2)`: to a peer that has reset the connection (a client
    /// that leaves before reading the session tickets or the close_notify answer, as `openssl s_time`
    /// does) that raises SIGPIPE, whose default action ends the process. Blocked in this thread, the
    /// signal stays pending and the write fails with EPIPE, which closes that connection only. (The
    /// rest of the process is left as it is: the channels' writes are NIO's.)
    private static func blockBrokenPipeSignal() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGPIPE)
        _ = pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    private static func add(_ descriptor: Int32, events: UInt32, to epoll: Int32) -> Bool {
        var event = epoll_event()
        event.events = events
        event.data.fd = descriptor
        return epoll_ctl(epoll, Int32(EPOLL_CTL_ADD), descriptor, &event) == 0
    }

    /// Monotonic nanoseconds.
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
