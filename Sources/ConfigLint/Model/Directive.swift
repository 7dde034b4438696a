/// One configuration statement as written: its name, its arguments and where it is.
///
/// nginx directives, Apache directives and HAProxy keywords all become directives; the name keeps
/// its spelling, lookups compare it case-insensitively where the server does.
package struct Directive: Hashable, Sendable {
    package var name: String
    package var arguments: [String]
    package var location: SourceLocation

    package init(name: String, arguments: [String], location: SourceLocation) {
        self.name = name
        self.arguments = arguments
        self.location = location
    }

    /// The first argument, or the empty string.
    package var value: String { arguments.first ?? "" }

    /// Whether the first argument is `on` (nginx, Apache) ignoring case.
    package var isOn: Bool { value.lowercased() == "on" }

    /// `name arg1 arg2` as a reader would write it.
    package var text: String { ([name] + arguments).joined(separator: " ") }
}
