import Foundation
import TLSStapling

/// One handshake to make: where to dial, the SNI name, the offer, and how long it may take.
package struct HandshakeAttempt: Sendable, Hashable {
    package var host: String
    package var port: Int
    /// SNI; nil sends none.
    package var serverName: String?
    package var variant: ProbeVariant
    /// For the connection and the handshake together.
    package var timeout: Duration

    package init(host: String, port: Int, serverName: String?, variant: ProbeVariant, timeout: Duration) {
        self.host = host
        self.port = port
        self.serverName = serverName
        self.variant = variant
        self.timeout = timeout
    }
}

/// The seam between the check and the network: makes one TLS handshake requesting status and says
/// what the server sent, or why it failed. Never throws, never outlives `attempt.timeout` by much.
package protocol HandshakeProber: Sendable {
    func handshake(_ attempt: HandshakeAttempt) async -> Result<ObservedHandshake, CheckError>
}
