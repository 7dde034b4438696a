import ArgumentParser

@main
struct Staple: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staple",
        abstract: "OCSP stapling done right: read, verify, fetch and serve OCSP staples.",
        discussion: """
            Exit statuses are documented per command; as a rule 0 means the answer you hoped for, \
            1 a judged but unwelcome answer, and 2 a usage error or unreadable input.
            """,
        subcommands: [Inspect.self, Lint.self, Fetch.self, Serve.self]
    )
}
