/// The life of a TLS connection, as pure state and transitions; ``OpenSSLTLSHandler`` performs the
/// actions and never looks at the state itself.
///
/// Each event returns its own action type, so every case an event can produce is handled where it
/// is produced. Events that cannot happen in a state (a second handshake completion, a close_notify
/// before the handshake) are programming errors and stop the process, as in swift-nio's state machines.
struct TLSStateMachine {
    enum State: Equatable {
        /// Added, not yet active on the network.
        case idle
        case handshaking
        case active
        /// The peer sent close_notify (or ended its side after the handshake); we may still write.
        case inputClosed
        /// We sent close_notify; we may still read until the peer answers.
        case outputClosed
        case closed
    }

    /// Read by tests only: the handler acts on the actions.
    private(set) var state: State

    init() { state = .idle }

    /// A server session whose handshake was made before the handler existed (a hand-off).
    static func established() -> Self { Self(state: .active) }

    /// A machine already in `state`, for table tests.
    init(state: State) { self.state = state }

    // MARK: - Activation

    enum ChannelActiveAction: Equatable {
        /// Arm the handshake timeout and send the ClientHello.
        case startHandshake
        /// Arm the handshake timeout and wait for the ClientHello.
        case awaitClientHello
        /// Already started (the handler was added to an active channel): pass the event on only.
        case ignore
    }

    /// The channel became active (or the handler was added to an active channel). Clients speak
    /// first; servers wait for the ClientHello.
    mutating func channelActive(isClient: Bool) -> ChannelActiveAction {
        guard state == .idle else { return .ignore }
        state = .handshaking
        return isClient ? .startHandshake : .awaitClientHello
    }

    // MARK: - Inbound

    enum BytesReceivedAction: Equatable {
        case continueHandshake
        case readPlaintext
        /// Ciphertext after the peer's close_notify, or after we closed: nothing may come of it.
        case discard
    }

    mutating func bytesReceived() -> BytesReceivedAction {
        switch state {
        case .idle: preconditionFailure("TLS bytes received before the channel became active")
        case .handshaking: .continueHandshake
        case .active, .outputClosed: .readPlaintext
        case .inputClosed, .closed: .discard
        }
    }

    enum HandshakeCompletedAction: Equatable {
        /// Cancel the timeout, report the handshake, write what waited for it, read what came with it.
        case reportAndFlushWrites
    }

    mutating func handshakeCompleted() -> HandshakeCompletedAction {
        guard state == .handshaking else { preconditionFailure("TLS handshake completed in state \(state)") }
        state = .active
        return .reportAndFlushWrites
    }

    enum CloseNotifyAction: Equatable {
        /// Tell the pipeline the input ended; we may still write.
        case fireInputClosed
        /// Both sides have sent close_notify: tell the pipeline, then close.
        case fireInputClosedAndClose
        /// The application closed while plaintext was being delivered: nothing left to tell.
        case ignore
    }

    /// OpenSSL read the peer's close_notify.
    mutating func closeNotifyReceived() -> CloseNotifyAction {
        switch state {
        case .active:
            state = .inputClosed
            return .fireInputClosed
        case .outputClosed:
            state = .closed
            return .fireInputClosedAndClose
        case .closed:
            return .ignore
        case .idle, .handshaking, .inputClosed:
            preconditionFailure("close_notify read in state \(state)")
        }
    }

    enum InputEndedAction: Equatable {
        /// The peer's TCP side ended during the handshake: fail it.
        case failHandshake
        /// A half-close without close_notify, which many clients do: pass it on.
        case fireInputClosed
        /// Our output had ended already: pass it on, then close.
        case fireInputClosedAndClose
        /// close_notify already ended the input (and was passed on), or we closed: nothing new.
        case ignore
    }

    /// The peer's TCP side ended (`ChannelEvent.inputClosed` from the channel).
    mutating func inputEnded() -> InputEndedAction {
        switch state {
        case .idle, .handshaking:
            state = .closed
            return .failHandshake
        case .active:
            state = .inputClosed
            return .fireInputClosed
        case .outputClosed:
            state = .closed
            return .fireInputClosedAndClose
        case .inputClosed, .closed:
            return .ignore
        }
    }

    enum HandshakeTimeoutAction: Equatable {
        case failHandshake
        /// The handshake ended just before the timer fired (its cancellation came too late).
        case ignore
    }

    mutating func handshakeTimedOut() -> HandshakeTimeoutAction {
        guard state == .handshaking else { return .ignore }
        state = .closed
        return .failHandshake
    }

    enum FailureAction: Equatable {
        /// Fail what waits, report the error, close.
        case failAndClose
        /// Already closed: report the error only.
        case report
    }

    /// OpenSSL failed (handshake, read or write).
    mutating func failed() -> FailureAction {
        guard state != .closed else { return .report }
        state = .closed
        return .failAndClose
    }

    enum ChannelInactiveAction: Equatable {
        /// The peer went away mid-handshake: report it, then pass the event on.
        case failHandshake
        /// Fail what still waits and pass the event on.
        case forward
    }

    mutating func channelInactive() -> ChannelInactiveAction {
        defer { state = .closed }
        return state == .handshaking ? .failHandshake : .forward
    }

    // MARK: - Outbound

    enum WriteAction: Equatable {
        /// Before the handshake completes: keep the plaintext until it does.
        case buffer
        /// Encrypt at once; the ciphertext goes out on the next flush.
        case encrypt
        /// Our output is closed.
        case fail
    }

    mutating func write() -> WriteAction {
        switch state {
        case .idle, .handshaking: .buffer
        case .active, .inputClosed: .encrypt
        case .outputClosed, .closed: .fail
        }
    }

    enum FlushAction: Equatable {
        /// Writes wait for the handshake, which flushes them when it completes.
        case awaitHandshake
        case flush
    }

    mutating func flush() -> FlushAction {
        switch state {
        case .idle, .handshaking: .awaitHandshake
        case .active, .inputClosed, .outputClosed, .closed: .flush
        }
    }

    enum CloseAction: Equatable {
        /// Encrypt what waits, send close_notify, then close (everything or the output only).
        case sendCloseNotifyAndClose
        case sendCloseNotifyAndCloseOutput
        /// No TLS session to end cleanly (still handshaking, or close_notify already sent): close.
        case closeNow
        /// Already closed: let the channel answer the promise.
        case forward
    }

    /// The application asked to close everything.
    mutating func close() -> CloseAction {
        switch state {
        case .active, .inputClosed:
            state = .closed
            return .sendCloseNotifyAndClose
        case .idle, .handshaking, .outputClosed:
            state = .closed
            return .closeNow
        case .closed:
            return .forward
        }
    }

    /// The application asked to close its output only (half-close).
    mutating func closeOutput() -> CloseAction {
        switch state {
        case .active:
            state = .outputClosed
            return .sendCloseNotifyAndCloseOutput
        case .inputClosed:
            state = .closed
            return .sendCloseNotifyAndClose
        case .idle, .handshaking:
            state = .closed
            return .closeNow
        case .outputClosed, .closed:
            return .forward
        }
    }
}
