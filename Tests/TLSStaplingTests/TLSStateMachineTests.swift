import Testing

@testable import TLSStapling

@Suite("TLS state machine")
struct TLSStateMachineTests {
    typealias State = TLSStateMachine.State
    static let allStates: [State] = [.idle, .handshaking, .active, .inputClosed, .outputClosed, .closed]

    @Test("a session handed off after its handshake starts established: activation starts nothing, data is read")
    func handedOff() {
        var machine = TLSStateMachine.established()
        #expect(machine.state == .active)
        #expect(machine.channelActive(isClient: false) == .ignore)
        #expect(machine.bytesReceived() == .readPlaintext)
        #expect(machine.write() == .encrypt)
        #expect(machine.handshakeTimedOut() == .ignore)
        #expect(machine.closeNotifyReceived() == .fireInputClosed)
    }

    @Test("client speaks first; server waits")
    func start() {
        var client = TLSStateMachine()
        #expect(client.channelActive(isClient: true) == .startHandshake)
        var server = TLSStateMachine()
        #expect(server.channelActive(isClient: false) == .awaitClientHello)
        #expect(server.bytesReceived() == .continueHandshake)
        // A second activation (the handler was added to an active channel) starts nothing new.
        #expect(server.channelActive(isClient: false) == .ignore)
        #expect(server.state == .handshaking)
    }

    @Test("writes are buffered until the handshake, then encrypted; refused after close")
    func writes() {
        var machine = TLSStateMachine()
        _ = machine.channelActive(isClient: false)
        #expect(machine.write() == .buffer)
        #expect(machine.flush() == .awaitHandshake)
        #expect(machine.handshakeCompleted() == .reportAndFlushWrites)
        #expect(machine.write() == .encrypt)
        #expect(machine.flush() == .flush)
        #expect(machine.bytesReceived() == .readPlaintext)
        #expect(machine.close() == .sendCloseNotifyAndClose)
        #expect(machine.write() == .fail)
        #expect(machine.close() == .forward)
    }

    @Test("half-close in each direction")
    func halfClose() {
        var machine = TLSStateMachine()
        _ = machine.channelActive(isClient: true)
        _ = machine.handshakeCompleted()
        #expect(machine.closeOutput() == .sendCloseNotifyAndCloseOutput)
        #expect(machine.state == .outputClosed)
        #expect(machine.bytesReceived() == .readPlaintext)
        #expect(machine.closeNotifyReceived() == .fireInputClosedAndClose)
        #expect(machine.state == .closed)

        var other = TLSStateMachine()
        _ = other.channelActive(isClient: false)
        _ = other.handshakeCompleted()
        #expect(other.closeNotifyReceived() == .fireInputClosed)
        #expect(other.state == .inputClosed)
        #expect(other.write() == .encrypt)
        // The TCP end that follows close_notify is not reported a second time.
        #expect(other.inputEnded() == .ignore)
        #expect(other.closeOutput() == .sendCloseNotifyAndClose)
    }

    @Test("closing during the handshake closes at once")
    func closeDuringHandshake() {
        var machine = TLSStateMachine()
        _ = machine.channelActive(isClient: false)
        #expect(machine.close() == .closeNow)
        #expect(machine.state == .closed)
        #expect(machine.handshakeTimedOut() == .ignore)
    }

    // MARK: - Tables: every state, one event at a time

    struct Row<Action: Equatable & Sendable>: Sendable, CustomTestStringConvertible {
        var from: State
        var action: Action
        var to: State
        var testDescription: String { "\(from) -> \(action), \(to)" }
    }

    @Test(
        "bytes received",
        arguments: [
            Row(from: .handshaking, action: TLSStateMachine.BytesReceivedAction.continueHandshake, to: .handshaking),
            Row(from: .active, action: .readPlaintext, to: .active),
            Row(from: .outputClosed, action: .readPlaintext, to: .outputClosed),
            Row(from: .inputClosed, action: .discard, to: .inputClosed),
            Row(from: .closed, action: .discard, to: .closed),
        ])
    func bytesReceived(row: Row<TLSStateMachine.BytesReceivedAction>) {
        var machine = TLSStateMachine(state: row.from)
        #expect(machine.bytesReceived() == row.action)
        #expect(machine.state == row.to)
    }

    @Test(
        "channel active",
        arguments: [
            Row(from: .handshaking, action: TLSStateMachine.ChannelActiveAction.ignore, to: .handshaking),
            Row(from: .active, action: .ignore, to: .active),
            Row(from: .inputClosed, action: .ignore, to: .inputClosed),
            Row(from: .outputClosed, action: .ignore, to: .outputClosed),
            Row(from: .closed, action: .ignore, to: .closed),
        ])
    func channelActive(row: Row<TLSStateMachine.ChannelActiveAction>) {
        var machine = TLSStateMachine(state: row.from)
        #expect(machine.channelActive(isClient: true) == row.action)
        #expect(machine.state == row.to)
    }

    @Test(
        "close_notify read",
        arguments: [
            Row(from: .active, action: TLSStateMachine.CloseNotifyAction.fireInputClosed, to: .inputClosed),
            Row(from: .outputClosed, action: .fireInputClosedAndClose, to: .closed),
            Row(from: .closed, action: .ignore, to: .closed),
        ])
    func closeNotify(row: Row<TLSStateMachine.CloseNotifyAction>) {
        var machine = TLSStateMachine(state: row.from)
        #expect(machine.closeNotifyReceived() == row.action)
        #expect(machine.state == row.to)
    }

    @Test(
        "the peer's TCP side ends",
        arguments: [
            Row(from: .idle, action: TLSStateMachine.InputEndedAction.failHandshake, to: .closed),
            Row(from: .handshaking, action: .failHandshake, to: .closed),
            Row(from: .active, action: .fireInputClosed, to: .inputClosed),
            Row(from: .outputClosed, action: .fireInputClosedAndClose, to: .closed),
            Row(from: .inputClosed, action: .ignore, to: .inputClosed),
            Row(from: .closed, action: .ignore, to: .closed),
        ])
    func inputEnded(row: Row<TLSStateMachine.InputEndedAction>) {
        var machine = TLSStateMachine(state: row.from)
        #expect(machine.inputEnded() == row.action)
        #expect(machine.state == row.to)
    }

    @Test(
        "handshake timeout",
        arguments: [
            Row(from: .handshaking, action: TLSStateMachine.HandshakeTimeoutAction.failHandshake, to: .closed),
            Row(from: .active, action: .ignore, to: .active),
            Row(from: .inputClosed, action: .ignore, to: .inputClosed),
            Row(from: .outputClosed, action: .ignore, to: .outputClosed),
            Row(from: .closed, action: .ignore, to: .closed),
        ])
    func handshakeTimeout(row: Row<TLSStateMachine.HandshakeTimeoutAction>) {
        var machine = TLSStateMachine(state: row.from)
        #expect(machine.handshakeTimedOut() == row.action)
        #expect(machine.state == row.to)
    }

    @Test("an OpenSSL failure closes once; later ones are only reported", arguments: allStates)
    func failure(from: State) {
        var machine = TLSStateMachine(state: from)
        #expect(machine.failed() == (from == .closed ? .report : .failAndClose))
        #expect(machine.state == .closed)
        #expect(machine.failed() == .report)
    }

    @Test("channel inactive", arguments: allStates)
    func channelInactive(from: State) {
        var machine = TLSStateMachine(state: from)
        #expect(machine.channelInactive() == (from == .handshaking ? .failHandshake : .forward))
        #expect(machine.state == .closed)
    }

    @Test(
        "write",
        arguments: [
            Row(from: .idle, action: TLSStateMachine.WriteAction.buffer, to: .idle),
            Row(from: .handshaking, action: .buffer, to: .handshaking),
            Row(from: .active, action: .encrypt, to: .active),
            Row(from: .inputClosed, action: .encrypt, to: .inputClosed),
            Row(from: .outputClosed, action: .fail, to: .outputClosed),
            Row(from: .closed, action: .fail, to: .closed),
        ])
    func write(row: Row<TLSStateMachine.WriteAction>) {
        var machine = TLSStateMachine(state: row.from)
        #expect(machine.write() == row.action)
        #expect(machine.state == row.to)
    }

    @Test(
        "flush",
        arguments: [
            Row(from: .idle, action: TLSStateMachine.FlushAction.awaitHandshake, to: .idle),
            Row(from: .handshaking, action: .awaitHandshake, to: .handshaking),
            Row(from: .active, action: .flush, to: .active),
            Row(from: .inputClosed, action: .flush, to: .inputClosed),
            Row(from: .outputClosed, action: .flush, to: .outputClosed),
            Row(from: .closed, action: .flush, to: .closed),
        ])
    func flush(row: Row<TLSStateMachine.FlushAction>) {
        var machine = TLSStateMachine(state: row.from)
        #expect(machine.flush() == row.action)
        #expect(machine.state == row.to)
    }

    @Test(
        "close everything",
        arguments: [
            Row(from: .idle, action: TLSStateMachine.CloseAction.closeNow, to: .closed),
            Row(from: .handshaking, action: .closeNow, to: .closed),
            Row(from: .active, action: .sendCloseNotifyAndClose, to: .closed),
            Row(from: .inputClosed, action: .sendCloseNotifyAndClose, to: .closed),
            Row(from: .outputClosed, action: .closeNow, to: .closed),
            Row(from: .closed, action: .forward, to: .closed),
        ])
    func close(row: Row<TLSStateMachine.CloseAction>) {
        var machine = TLSStateMachine(state: row.from)
        #expect(machine.close() == row.action)
        #expect(machine.state == row.to)
    }

    @Test(
        "close the output (half-close)",
        arguments: [
            Row(from: .idle, action: TLSStateMachine.CloseAction.closeNow, to: .closed),
            Row(from: .handshaking, action: .closeNow, to: .closed),
            Row(from: .active, action: .sendCloseNotifyAndCloseOutput, to: .outputClosed),
            Row(from: .inputClosed, action: .sendCloseNotifyAndClose, to: .closed),
            Row(from: .outputClosed, action: .forward, to: .outputClosed),
            Row(from: .closed, action: .forward, to: .closed),
        ])
    func closeOutput(row: Row<TLSStateMachine.CloseAction>) {
        var machine = TLSStateMachine(state: row.from)
        #expect(machine.closeOutput() == row.action)
        #expect(machine.state == row.to)
    }

    @Test("the handshake completes from handshaking only")
    func handshakeCompleted() {
        var machine = TLSStateMachine(state: .handshaking)
        #expect(machine.handshakeCompleted() == .reportAndFlushWrites)
        #expect(machine.state == .active)
    }

    @Test("impossible transitions stop the process: a second handshake completion")
    func secondHandshake() async {
        await #expect(processExitsWith: .failure) {
            var machine = TLSStateMachine(state: .active)
            _ = machine.handshakeCompleted()
        }
    }

    @Test("impossible transitions stop the process: ciphertext before the channel is active")
    func bytesBeforeActive() async {
        await #expect(processExitsWith: .failure) {
            var machine = TLSStateMachine()
            _ = machine.bytesReceived()
        }
    }

    @Test("impossible transitions stop the process: close_notify during the handshake")
    func closeNotifyDuringHandshake() async {
        await #expect(processExitsWith: .failure) {
            var machine = TLSStateMachine(state: .handshaking)
            _ = machine.closeNotifyReceived()
        }
    }
}
