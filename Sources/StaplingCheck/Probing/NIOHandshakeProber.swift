import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TLSStapling

/// Handshakes over real sockets with the TLS client role of `TLSStapling` (OpenSSL), requesting a
/// staple and reporting the bytes and the chain the server sent. Closes each connection after the
/// handshake with close_notify.
package struct NIOHandshakeProber: HandshakeProber {
    private let group: any EventLoopGroup

    package init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.group = group
    }

    package func handshake(_ attempt: HandshakeAttempt) async -> Result<ObservedHandshake, CheckError> {
        let subject = CheckTarget.endpoint(attempt.host, attempt.port)
        let timeout = TimeAmount.nanoseconds(max(1, Self.nanoseconds(attempt.timeout)))
        let context: OpenSSLClientContext
        do {
            context = try OpenSSLClientContext(
                configuration: TLSClientConfiguration(
                    serverName: attempt.serverName, minimumVersion: attempt.variant.version,
                    maximumVersion: attempt.variant.version, handshakeTimeout: timeout,
                    signatureAlgorithms: attempt.variant.algorithms))
        } catch {
            return .failure(CheckError(.handshakeFailed, subject: subject, reason: "\(error)"))
        }
        let promise = group.next().makePromise(of: TLSHandshakeCompleted.self)
        let watcher = FirstBytesWatcher()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .channelOption(.allowRemoteHalfClosure, value: true)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(watcher)
                        try channel.pipeline.syncOperations.addHandler(try OpenSSLTLSHandler(client: context))
                        try channel.pipeline.syncOperations.addHandler(CompletionRecorder(promise))
                    }
                }
                .connect(host: attempt.host, port: attempt.port).get()
        } catch {
            promise.fail(error)
            return .failure(Self.connectFailure(error, subject: subject, timeout: attempt.timeout))
        }
        do {
            let completed = try await promise.futureResult.get()
            await Self.closePolitely(channel, grace: min(Self.closeGrace, attempt.timeout))
            return .success(
                ObservedHandshake(
                    version: completed.version, staple: completed.stapledResponse,
                    chain: completed.peerCertificateChain))
        } catch {
            try? await channel.close()
            return .failure(Self.handshakeFailure(error, first: watcher.firstByte, subject: subject, attempt: attempt))
        }
    }

    /// One second: how long a server gets to answer close_notify by closing, before the connection is dropped.
    static let closeGrace: Duration = .seconds(1)

    /// Sends close_notify and half-closes, then waits (at most `grace`) for the server to close: the
    /// next connection of the target starts only once this one has ended on the server too.
    static func closePolitely(_ channel: any Channel, grace: Duration) async {
        let dropped = channel.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds(grace))) {
            channel.close(promise: nil)
        }
        channel.close(mode: .output, promise: nil)
        try? await channel.closeFuture.get()
        dropped.cancel()
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%g", Double(nanoseconds(duration)) / 1e9)
    }

    static func connectFailure(_ error: any Error, subject: String, timeout: Duration) -> CheckError {
        if let error = error as? ChannelError, case .connectTimeout = error {
            return CheckError(
                .connectTimeout, subject: subject, reason: "no TCP connection within \(seconds(timeout)) s")
        }
        if let error = error as? NIOConnectionError {
            if error.dnsAAAAError != nil || error.dnsAError != nil, error.connectionErrors.isEmpty {
                return CheckError(.unresolved, subject: subject, reason: "the host name does not resolve")
            }
            if let first = error.connectionErrors.first?.error {
                return connectFailure(first, subject: subject, timeout: timeout)
            }
        }
        if let error = error as? IOError {
            if error.errnoCode == ECONNREFUSED {
                return CheckError(.refused, subject: subject, reason: "connection refused: nothing listens there")
            }
            if error.errnoCode == ETIMEDOUT {
                return CheckError(
                    .connectTimeout, subject: subject, reason: "no TCP connection within \(seconds(timeout)) s")
            }
            return CheckError(.refused, subject: subject, reason: "could not connect: \(error)")
        }
        if error is SocketAddressError {
            return CheckError(.unresolved, subject: subject, reason: "the address does not resolve: \(error)")
        }
        return CheckError(.refused, subject: subject, reason: "could not connect: \(error)")
    }

    static func handshakeFailure(
        _ error: any Error, first: UInt8?, subject: String, attempt: HandshakeAttempt
    ) -> CheckError {
        // A TLS record starts with its content type: 22 handshake, 21 alert (RFC 8446 §5.1).
        if let first, first != 22, first != 21 {
            let printable = (0x20..<0x7f).contains(first) ? " ('\(Character(UnicodeScalar(first)))')" : ""
            return CheckError(
                .notTLS, subject: subject,
                reason:
                    "the server answered, but not with TLS (first byte 0x\(String(first, radix: 16))\(printable)): "
                    + "plain HTTP or another protocol on this port?")
        }
        if let error = error as? TLSError {
            if error.code == .handshakeTimeout {
                if first == nil {
                    return CheckError(
                        .silent, subject: subject,
                        reason:
                            "the server accepted the connection but sent nothing within \(seconds(attempt.timeout)) s")
                }
                return CheckError(
                    .silent, subject: subject,
                    reason: "the handshake did not complete within \(seconds(attempt.timeout)) s")
            }
            if error.code == .closedBeforeHandshake || first == nil {
                return CheckError(
                    .closed, subject: subject,
                    reason: "the server closed the connection without answering the ClientHello")
            }
            return CheckError(
                .handshakeFailed, subject: subject, reason: "\(attempt.variant) failed: \(error.reason)")
        }
        if first == nil {
            return CheckError(
                .closed, subject: subject, reason: "the server closed the connection without answering the ClientHello")
        }
        return CheckError(.handshakeFailed, subject: subject, reason: "\(attempt.variant) failed: \(error)")
    }
}

/// Remembers the first byte the server sent (before TLS sees it), to tell "not TLS" from a TLS failure.
final class FirstBytesWatcher: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private let first = NIOLockedValueBox<UInt8?>(nil)

    var firstByte: UInt8? { first.withLockedValue { $0 } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if let byte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) {
            first.withLockedValue { if $0 == nil { $0 = byte } }
        }
        context.fireChannelRead(data)
    }
}

/// Completes a promise with the handshake, or with the error or close that came first.
final class CompletionRecorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let promise: EventLoopPromise<TLSHandshakeCompleted>
    init(_ promise: EventLoopPromise<TLSHandshakeCompleted>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let completed = event as? TLSHandshakeCompleted { promise.succeed(completed) }
        context.fireUserInboundEventTriggered(event)
    }
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(TLSError(.closedBeforeHandshake, "connection closed"))
        context.fireChannelInactive()
    }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
