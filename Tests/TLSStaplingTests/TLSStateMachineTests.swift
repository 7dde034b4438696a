import Testing

@testable import TLSStapling

@Suite("TLS state machine")
struct TLSStateMachineTests {
    @Test("client speaks first; server waits")
    func start() {
        var client = TLSStateMachine()
        #expect(client.channelActive(isClient: true) == .startHandshake)
        var server = TLSStateMachine()
        #expect(server.channelActive(isClient: false) == TLSStateMachine.Action.none)
        #expect(server.bytesReceived() == .continueHandshake)
    }

    @Test("writes are buffered until the handshake, then written; refused after close")
    func writes() {
        var machine = TLSStateMachine()
        _ = machine.channelActive(isClient: false)
        #expect(machine.write() == .bufferWrite)
        machine.handshakeCompleted()
        #expect(machine.write() == .writeNow)
        #expect(machine.bytesReceived() == .readPlaintext)
        #expect(machine.close() == .sendCloseNotifyAndClose)
        #expect(machine.write() == .failWrite)
        #expect(machine.close() == TLSStateMachine.Action.none)
    }

    @Test("half-close in each direction")
    func halfClose() {
        var machine = TLSStateMachine()
        _ = machine.channelActive(isClient: true)
        machine.handshakeCompleted()
        #expect(machine.closeOutput() == .sendCloseNotifyAndCloseOutput)
        #expect(machine.state == .outputClosed)
        #expect(machine.bytesReceived() == .readPlaintext)
        machine.closeNotifyReceived()
        #expect(machine.state == .closed)

        var other = TLSStateMachine()
        _ = other.channelActive(isClient: false)
        other.handshakeCompleted()
        other.closeNotifyReceived()
        #expect(other.state == .inputClosed)
        #expect(other.write() == .writeNow)
        #expect(other.closeOutput() == .sendCloseNotifyAndClose)
    }

    @Test("closing during the handshake closes at once")
    func closeDuringHandshake() {
        var machine = TLSStateMachine()
        _ = machine.channelActive(isClient: false)
        #expect(machine.close() == .closeNow)
        #expect(!machine.isHandshakeComplete)
    }
}
