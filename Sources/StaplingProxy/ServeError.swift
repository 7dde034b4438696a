/// A configuration `staple serve` cannot use: a stable code and a reason that names the file and
/// includes the underlying error.
///
/// Equality compares the code only.
public struct ServeError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A certificate chain file is unreadable, or lacks the leaf's issuer.
        public static let certificateChain = Code(rawValue: "certificate-chain")
        /// OpenSSL cannot use a chain or key (unreadable, or a key that does not match).
        public static let tlsConfiguration = Code(rawValue: "tls-configuration")
        /// The state directory cannot be created or used.
        public static let stateDirectory = Code(rawValue: "state-directory")
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
    public var description: String { reason }
}
