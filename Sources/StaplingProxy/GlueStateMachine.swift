import NIOCore

/// One side of a ``GlueHandler`` pair, as pure state and transitions; the handler performs the
/// actions and never looks at the state itself.
///
/// The client-facing side starts in `awaitingFirstByte`: reads flow (the TLS handshake below needs
/// them) and nothing is connected. The first plaintext moves it to `awaitingPartner` while the
/// backend connects: bytes are held, reads and a half-close wait. The backend side starts in
/// `awaitingPartner` too, until the client side attaches it. Joined, bytes flow and a read waits
/// while the partner cannot write (backpressure).
struct GlueStateMachine {
    enum State {
        case awaitingFirstByte
        case awaitingPartner(held: [ByteBuffer], inputEnded: Bool, readPending: Bool)
        case joined(readPending: Bool)
        case closed
    }

    private(set) var state: State

    /// The client-facing side, which connects its partner on the first byte.
    static func connectingOnFirstByte() -> Self { Self(state: .awaitingFirstByte) }

    /// The backend side, waiting to be attached by the client-facing side.
    static func backendSide() -> Self { Self(state: .awaitingPartner(held: [], inputEnded: false, readPending: false)) }

    /// A side joined from the start.
    static func joined() -> Self { Self(state: .joined(readPending: false)) }

    // MARK: - Inbound

    enum ChannelReadAction {
        case forwardToPartner
        /// The first bytes: held; connect the partner.
        case connectPartner
        /// Held until the partner is attached.
        case hold
        /// This side is closing: nothing to forward them to.
        case drop
    }

    mutating func channelRead(_ data: ByteBuffer) -> ChannelReadAction {
        switch state {
        case .awaitingFirstByte:
            state = .awaitingPartner(held: [data], inputEnded: false, readPending: false)
            return .connectPartner
        case .awaitingPartner(var held, let inputEnded, let readPending):
            state = .closed  // Drops the state's reference to `held`, so appending does not copy it.
            held.append(data)
            state = .awaitingPartner(held: held, inputEnded: inputEnded, readPending: readPending)
            return .hold
        case .joined:
            return .forwardToPartner
        case .closed:
            return .drop
        }
    }

    enum ReadCompleteAction {
        case flushPartner
        case ignore
    }

    mutating func channelReadComplete() -> ReadCompleteAction {
        if case .joined = state { return .flushPartner }
        return .ignore
    }

    enum InputEndedAction {
        /// Pass the half-close on: the partner closes its output.
        case halfClosePartner
        /// Passed on once the partner is attached.
        case deferUntilJoined
        /// The client ended its side without sending anything: nothing to proxy.
        case close
        case ignore
    }

    /// This side's input ended (`ChannelEvent.inputClosed`).
    mutating func inputEnded() -> InputEndedAction {
        switch state {
        case .awaitingFirstByte:
            state = .closed
            return .close
        case .awaitingPartner(let held, _, let readPending):
            state = .awaitingPartner(held: held, inputEnded: true, readPending: readPending)
            return .deferUntilJoined
        case .joined:
            return .halfClosePartner
        case .closed:
            return .ignore
        }
    }

    enum ChannelInactiveAction {
        case closePartner
        /// No partner yet; one still connecting is closed when it arrives.
        case ignore
    }

    mutating func channelInactive() -> ChannelInactiveAction {
        defer { state = .closed }
        if case .joined = state { return .closePartner }
        return .ignore
    }

    enum ErrorAction {
        case closePartnerAndSelf
        case close
    }

    mutating func errorCaught() -> ErrorAction {
        defer { state = .closed }
        if case .joined = state { return .closePartnerAndSelf }
        return .close
    }

    enum PartnerClosedAction {
        case close
        /// Closing already.
        case ignore
    }

    /// The partner went away (or failed): this side closes too, once.
    mutating func partnerClosed() -> PartnerClosedAction {
        if case .closed = state { return .ignore }
        state = .closed
        return .close
    }

    // MARK: - Reads (backpressure)

    enum ReadAction {
        case read
        /// Issued later, when the partner is attached or becomes writable.
        case wait
    }

    /// The pipeline asks this side to read; `partnerWritable` is false when there is no partner.
    mutating func read(partnerWritable: Bool) -> ReadAction {
        switch state {
        case .awaitingFirstByte:
            return .read
        case .awaitingPartner(let held, let inputEnded, _):
            state = .awaitingPartner(held: held, inputEnded: inputEnded, readPending: true)
            return .wait
        case .joined:
            if partnerWritable { return .read }
            state = .joined(readPending: true)
            return .wait
        case .closed:
            return .wait
        }
    }

    enum PartnerWritableAction {
        /// Issue the read that waited.
        case read
        case ignore
    }

    mutating func partnerBecameWritable() -> PartnerWritableAction {
        guard case .joined(readPending: true) = state else { return .ignore }
        state = .joined(readPending: false)
        return .read
    }

    // MARK: - Joining

    enum AttachAction {
        /// Write `held` to the partner and flush it; half-close it if this side's input ended;
        /// issue the read that waited if `read`.
        case join(held: [ByteBuffer], halfClosePartner: Bool, read: Bool)
        /// This side went away while the partner connected: close the partner.
        case closePartner
    }

    /// The partner is connected and attached to this side.
    mutating func partnerAttached(partnerWritable: Bool) -> AttachAction {
        switch state {
        case .awaitingPartner(let held, let inputEnded, let readPending):
            state = .joined(readPending: readPending && !partnerWritable)
            return .join(held: held, halfClosePartner: inputEnded, read: readPending && partnerWritable)
        case .closed:
            return .closePartner
        case .awaitingFirstByte, .joined:
            preconditionFailure("a partner attached in state \(state)")
        }
    }

    enum ConnectFailedAction {
        /// Drop what was held and close this side.
        case close
        case ignore
    }

    mutating func partnerConnectFailed() -> ConnectFailedAction {
        switch state {
        case .awaitingPartner:
            state = .closed
            return .close
        case .closed:
            return .ignore
        case .awaitingFirstByte, .joined:
            preconditionFailure("a partner connection failed in state \(state)")
        }
    }
}
