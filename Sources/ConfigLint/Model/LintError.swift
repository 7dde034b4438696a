/// Why a configuration could not be linted: a stable code and a reason naming the file and line.
///
/// Equality compares the code only.
public struct LintError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let unreadable = Code(rawValue: "unreadable")
        public static let tooLarge = Code(rawValue: "too-large")
        public static let binary = Code(rawValue: "binary")
        public static let syntax = Code(rawValue: "syntax")
        public static let tooDeep = Code(rawValue: "too-deep")
        public static let includeCycle = Code(rawValue: "include-cycle")
        public static let tooManyFiles = Code(rawValue: "too-many-files")
        public static let unknownServer = Code(rawValue: "unknown-server")
    }

    public var code: Code
    /// Where the problem is (the file, and the line when there is one).
    public var location: SourceLocation
    public var reason: String

    public init(_ code: Code, at location: SourceLocation, _ reason: String) {
        self.code = code
        self.location = location
        self.reason = reason
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
    public var description: String { "\(location): \(reason)" }
}
