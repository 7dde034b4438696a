import Foundation
import TLSStapling

/// One handshake to make: where to dial, the SNI name, the offer, and how long it may take.
public struct HandshakeAttempt: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// SNI; nil sends none.
    public var serverName: String?
    public var variant: ProbeVariant
    /// For the connection and the handshake together.
    public var timeout: Duration

    public init(host: String, port: Int, serverName: String?, variant: ProbeVariant, timeout: Duration) {
        self.host = host
        self.port = port
        self.serverName = serverName
        self.variant = variant
        self.timeout = timeout
    }
}

/// The seam between the check and the network: makes one TLS handshake requesting status and says
/// what the server sent, or why it failed. Never throws, never outlives `attempt.timeout` by much.
public protocol HandshakeProber: Sendable {
    func handshake(_ attempt: HandshakeAttempt) async -> Result<ObservedHandshake, CheckError>
}
