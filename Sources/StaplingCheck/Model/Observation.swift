import Foundation
import TLSStapling

/// One TLS offer: the protocol version and the signature algorithms a handshake offers.
public struct ProbeVariant: Sendable, Hashable, CustomStringConvertible {
    public var version: TLSVersion
    public var algorithms: TLSSignatureAlgorithms

    public init(version: TLSVersion, algorithms: TLSSignatureAlgorithms) {
        self.version = version
        self.algorithms = algorithms
    }

    /// `TLSv1.3`, `TLSv1.2`.
    public var versionName: String {
        switch version {
        case .tls12: "TLSv1.2"
        case .tls13: "TLSv1.3"
        }
    }

    public var description: String { "\(versionName) offering \(algorithms.rawValue) signatures" }
}

/// What a completed handshake showed.
public struct ObservedHandshake: Sendable, Hashable {
    /// `TLSv1.3` or `TLSv1.2`, as negotiated.
    public var version: String
    /// The stapled bytes, exactly as received; nil when the server sent no staple.
    public var staple: [UInt8]?
    /// The certificates the server sent, leaf first, as DER.
    public var chain: [[UInt8]]

    public init(version: String, staple: [UInt8]?, chain: [[UInt8]]) {
        self.version = version
        self.staple = staple
        self.chain = chain
    }
}

/// One handshake of a check, in the order made.
public struct HandshakeRecord: Sendable {
    /// 1-based, in the order the handshakes were made for the target.
    public var number: Int
    /// The `--connections` round it belongs to (1-based).
    public var round: Int
    public var variant: ProbeVariant
    public var at: Date
    public var outcome: Result<ObservedHandshake, CheckError>

    public init(
        number: Int, round: Int, variant: ProbeVariant, at: Date, outcome: Result<ObservedHandshake, CheckError>
    ) {
        self.number = number
        self.round = round
        self.variant = variant
        self.at = at
        self.outcome = outcome
    }

    public var observed: ObservedHandshake? { try? outcome.get() }
    public var isStapled: Bool { observed?.staple != nil }
}
