/// Why OCSPCore could not read or build something: a stable code and a reason that names the thing
/// involved (a file, a PEM block, an algorithm).
///
/// Verification never throws: a response that fails a check is a verdict (``OCSPRejection``).
/// Equality compares the code only.
public struct OCSPCoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A certificate file or block that is missing, unreadable or not a certificate.
        public static let unreadableCertificate = Code(rawValue: "unreadable-certificate")
        /// Input that is not an OCSP message in any encoding we read.
        public static let unreadableInput = Code(rawValue: "unreadable-input")
        /// A request or response that could not be built.
        public static let buildFailed = Code(rawValue: "build-failed")
    }

    public var code: Code
    /// The file or input involved, when there is one.
    public var source: String?
    public var reason: String

    public init(_ code: Code, source: String? = nil, reason: String) {
        self.code = code
        self.source = source
        self.reason = reason
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
    public var description: String { source.map { "\($0): \(reason)" } ?? reason }
}
