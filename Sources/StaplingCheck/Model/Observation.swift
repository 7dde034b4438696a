import Foundation
import TLSStapling

/// One TLS offer: the protocol version and the signature algorithms a handshake offers.
package struct ProbeVariant: Sendable, Hashable, CustomStringConvertible {
    package var version: TLSVersion
    package var algorithms: TLSSignatureAlgorithms

    package init(version: TLSVersion, algorithms: TLSSignatureAlgorithms) {
        self.version = version
        self.algorithms = algorithms
    }

    /// `TLSv1.3`, `TLSv1.2`.
    package var versionName: String {
        switch version {
        case .tls12: "TLSv1.2"
        case .tls13: "TLSv1.3"
        }
    }

    package var description: String { "\(versionName) offering \(algorithms.rawValue) signatures" }
}

/// What a completed handshake showed.
package struct ObservedHandshake: Sendable, Hashable {
    /// `TLSv1.3` or `TLSv1.2`, as negotiated.
    package var version: String
    /// The stapled bytes, exactly as received; nil when the server sent no staple.
    package var staple: [UInt8]?
    /// The certificates the server sent, leaf first, as DER.
    package var chain: [[UInt8]]

    package init(version: String, staple: [UInt8]?, chain: [[UInt8]]) {
        self.version = version
        self.staple = staple
        self.chain = chain
    }
}

/// One handshake of a check, in the order made.
package struct HandshakeRecord: Sendable {
    /// 1-based, in the order the handshakes were made for the target.
    package var number: Int
    /// The `--connections` round it belongs to (1-based).
    package var round: Int
    package var variant: ProbeVariant
    package var at: Date
    package var outcome: Result<ObservedHandshake, CheckError>

    package init(
        number: Int, round: Int, variant: ProbeVariant, at: Date, outcome: Result<ObservedHandshake, CheckError>
    ) {
        self.number = number
        self.round = round
        self.variant = variant
        self.at = at
        self.outcome = outcome
    }

    package var observed: ObservedHandshake? { try? outcome.get() }
    package var isStapled: Bool { observed?.staple != nil }
}
