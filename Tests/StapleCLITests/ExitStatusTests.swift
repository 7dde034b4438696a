import Foundation
import StapleTestSupport
import Testing

/// The exit-status scheme as a user meets it: a usage error exits 2, except for the monitoring
/// command `lint`, where it is UNKNOWN (3, the Nagios plugin convention); nothing exits
/// ArgumentParser's 64.
@Suite("exit statuses")
struct ExitStatusTests {
    /// A usage error of one command, and what its message must name.
    struct UsageError: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var mentions: String?
        var testDescription: String { "staple " + arguments.joined(separator: " ") }
    }

    static let usageErrors: [UsageError] = [
        // An unknown option.
        UsageError(arguments: ["inspect", "response.der", "--no-such-option"], mentions: "--no-such-option"),
        UsageError(arguments: ["fetch", "chain.pem", "--no-such-option"], mentions: "--no-such-option"),
        UsageError(
            arguments: [
                "serve", "--listen", ":8443", "--backend", "127.0.0.1:9", "--cert", "a.pem", "--key", "a.key",
                "--no-such-option",
            ],
            mentions: "--no-such-option"),
        // A missing required argument or option.
        UsageError(arguments: ["inspect"], mentions: nil),
        UsageError(arguments: ["fetch"], mentions: nil),
        UsageError(
            arguments: ["serve", "--backend", "127.0.0.1:9", "--cert", "a.pem", "--key", "a.key"],
            mentions: "--listen"),
        // A value the command refuses.
        UsageError(arguments: ["inspect", "response.der", "--at", "2025-01-01"], mentions: "--cert"),
        UsageError(arguments: ["fetch", "chain.pem", "--timeout", "0"], mentions: "--timeout"),
        UsageError(arguments: ["serve", "--listen", ":8443", "--backend", "127.0.0.1:9"], mentions: "--cert"),
    ]

    static let lintUsageErrors: [UsageError] = [
        UsageError(arguments: ["lint", "--no-such-option", "nginx.conf"], mentions: "--no-such-option"),
        // An option without its value.
        UsageError(arguments: ["lint", "nginx.conf", "--at"], mentions: "--at"),
        UsageError(arguments: ["lint", "--at", "not-a-time", "nginx.conf"], mentions: "not-a-time"),
        UsageError(arguments: ["lint", "--nginx", "--apache", "nginx.conf"], mentions: nil),
    ]

    @Test(
        "a usage error exits 2 (inspect, fetch, serve) or UNKNOWN, 3 (lint), and says what is wrong",
        arguments: usageErrors + lintUsageErrors)
    func usageError(_ usage: UsageError) throws {
        let expected: Int32 = usage.arguments.first == "lint" ? 3 : 2
        let result = try StapleBinary.run(usage.arguments)
        #expect(result.status == expected, "\(result.combined)")
        #expect(!result.stderr.isEmpty)
        if let mentions = usage.mentions { #expect(result.stderr.contains(mentions), "\(result.stderr)") }
    }

    @Test("an unknown command exits 2")
    func unknownCommand() throws {
        let result = try StapleBinary.run(["no-such-command"])
        #expect(result.status == 2, "\(result.combined)")
    }

    @Test("no command exits 64, whatever the usage error")
    func never64() throws {
        for arguments in (Self.usageErrors + Self.lintUsageErrors).map(\.arguments) + [
            ["no-such-command"], ["--bogus"],
        ] {
            let result = try StapleBinary.run(arguments)
            #expect(result.status != 64, "staple \(arguments.joined(separator: " ")) exited 64")
        }
    }

    @Test("staple --help documents the exit statuses")
    func helpDocumentsTheScheme() throws {
        let result = try StapleBinary.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Exit status"), "\(result.stdout)")
    }
}
