import TLSStapling

/// One connection in the handshake front: its TLS session on the socket and how far it got.
///
/// ``advance()`` is the whole decision, run on every readiness event: handshake until complete, then
/// wait for the peer's first record and say what to do with it. The loop (``EpollLoop``) performs
/// the outcome; OpenSSL does the socket I/O inside the session.
struct FrontConnection {
    enum Phase: Equatable {
        case handshaking
        /// Handshake complete; waiting for the peer's first record.
        case established
    }

    enum Outcome: Equatable {
        /// Nothing more until the socket is ready again.
        case wait
        /// Application data came: the connection goes to a channel, which reads it.
        case handOff
        /// The peer sent close_notify and nothing else: answer it (RFC 8446 §6.1) and close.
        case answerCloseNotifyAndClose
        /// The handshake failed, or the peer left or broke TLS after it: close, nothing to answer.
        case fail(TLSError)
    }

    var session: ServerSocketSession
    private(set) var phase: Phase = .handshaking
    /// Tells this connection from a later one on the same descriptor (for its deadline).
    let serial: UInt64
    /// Whether the loop watches the socket for writability too (from the first write that waited).
    var watchesWritability = false

    init(session: ServerSocketSession, serial: UInt64) {
        self.session = session
        self.serial = serial
    }

    mutating func advance() -> Outcome {
        if phase == .handshaking {
            switch session.handshake() {
            case .wantIO: return .wait
            case .failed(let error): return .fail(error)
            case .complete: phase = .established
            }
        }
        // Right after the handshake too: the first record may have come with the client's Finished,
        // and an edge-triggered socket reports nothing new for it.
        switch session.firstRecord() {
        case .wantIO: return .wait
        case .applicationData: return .handOff
        case .closeNotify: return .answerCloseNotifyAndClose
        case .failed(let error): return .fail(error)
        }
    }

    /// Whether a readiness event that says only "writable" concerns this connection (OpenSSL waits to
    /// write); otherwise it is the edge every new socket reports once, and nothing is tried.
    var waitsToWrite: Bool { session.waitsToWrite }
}
