/// One configuration statement as written: its name, its arguments and where it is.
///
/// nginx directives, Apache directives and HAProxy keywords all become directives; the name keeps
/// its spelling, lookups compare it case-insensitively where the server does.
public struct Directive: Hashable, Sendable {
    public var name: String
    public var arguments: [String]
    public var location: SourceLocation

    public init(name: String, arguments: [String], location: SourceLocation) {
        self.name = name
        self.arguments = arguments
        self.location = location
    }

    /// The first argument, or the empty string.
    public var value: String { arguments.first ?? "" }

    /// Whether the first argument is `on` (nginx, Apache) ignoring case.
    public var isOn: Bool { value.lowercased() == "on" }

    /// `name arg1 arg2` as a reader would write it.
    public var text: String { ([name] + arguments).joined(separator: " ") }
}
