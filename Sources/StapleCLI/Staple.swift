import ArgumentParser
import Foundation

/// The `staple` command: its subcommands and the help text shared by all.
struct Staple: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staple",
        abstract: "OCSP stapling done right: read, verify, fetch, serve, install and answer OCSP staples.",
        discussion: """
            Examples:
              staple demo                                  # see it all work on loopback, with a throwaway PKI
              staple lint                                  # this machine's nginx, Apache and HAProxy setup
              staple inspect site.ocsp --cert fullchain.pem
              staple fetch fullchain.pem -o fullchain.pem.ocsp
              staple serve --listen :443 --cert site.pem --key site.key --backend 127.0.0.1:8080
              staple check example.org --connections 4   # is the live server stapling, and right?
              staple run --config /etc/staple/staple.yaml  # keep nginx and HAProxy stapled
              staple respond --ca ca.pem --ca-key ca.key --index index.txt --listen :8080

            \(ExitStatusHelp.text)
            """,
        subcommands: [
            Demo.self, Inspect.self, Lint.self, Check.self, Fetch.self, Serve.self, Run.self, StatusCommand.self,
            Respond.self,
        ]
    )

    /// The subcommands that follow the monitoring convention.
    static let monitoringCommands: [any MonitoringCommand.Type] = [Lint.self, Check.self]
}

/// The entry point: parses, runs, and maps every way out to Staple's exit statuses (never 64).
@main
enum StapleMain {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try Staple.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(status(for: error, arguments: arguments))
        }
    }

    /// Prints what `error` has to say and returns the exit status for it.
    static func status(for error: any Error, arguments: [String]) -> Int32 {
        if let exit = error as? ExitCode { return exit.rawValue }
        let monitoring = Staple.monitoringCommands.contains { $0._commandName == arguments.first }
        let parserCode = Staple.exitCode(for: error)
        if parserCode == .success {
            // --help, --version: the text is the answer asked for.
            print(Staple.fullMessage(for: error))
            return ExitStatus.hoped.rawValue
        }
        FileHandle.standardError.write(Data((Staple.fullMessage(for: error) + "\n").utf8))
        // A usage error, or an error no command mapped: could not judge (monitoring) or unusable input.
        return monitoring ? MonitoringStatus.unknown.rawValue : ExitStatus.unusable.rawValue
    }
}
