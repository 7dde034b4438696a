/// The life of a TLS connection, as pure state and transitions; the handler performs the actions.
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

    private(set) var state: State = .idle

    enum Action: Equatable {
        case none
        case startHandshake
        case continueHandshake
        case readPlaintext
        case bufferWrite
        case writeNow
        case failWrite
        case sendCloseNotifyAndClose
        case sendCloseNotifyAndCloseOutput
        case closeNow
    }

    /// The channel became active. Clients speak first; servers wait for the ClientHello.
    mutating func channelActive(isClient: Bool) -> Action {
        guard state == .idle else { return .none }
        state = .handshaking
        return isClient ? .startHandshake : .none
    }

    mutating func bytesReceived() -> Action {
        switch state {
        case .idle:
            state = .handshaking
            return .continueHandshake
        case .handshaking: return .continueHandshake
        case .active, .outputClosed: return .readPlaintext
        case .inputClosed, .closed: return .none
        }
    }

    mutating func handshakeCompleted() {
        if state == .handshaking { state = .active }
    }

    mutating func write() -> Action {
        switch state {
        case .idle, .handshaking: return .bufferWrite
        case .active, .inputClosed: return .writeNow
        case .outputClosed, .closed: return .failWrite
        }
    }

    mutating func closeNotifyReceived() {
        switch state {
        case .active: state = .inputClosed
        case .outputClosed: state = .closed
        default: break
        }
    }

    /// The application asked to close everything.
    mutating func close() -> Action {
        switch state {
        case .active, .inputClosed:
            state = .closed
            return .sendCloseNotifyAndClose
        case .idle, .handshaking, .outputClosed:
            state = .closed
            return .closeNow
        case .closed: return .none
        }
    }

    /// The application asked to close its output only (half-close).
    mutating func closeOutput() -> Action {
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
        case .outputClosed, .closed: return .none
        }
    }

    mutating func channelInactive() { state = .closed }

    var isHandshakeComplete: Bool { state == .active || state == .inputClosed || state == .outputClosed }
}
