import ArgumentParser
import Foundation
import StapleDemo

#if canImport(Glibc)
    import Glibc
#endif

/// `staple demo`: the whole system on loopback with a throwaway PKI. The story is in StapleDemo;
/// this maps its result to exit statuses.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "See Staple work in under a minute: a throwaway PKI, a responder, a stapling server, a story.",
        discussion: """
            Makes a throwaway PKI in a temporary directory with the system openssl (a root, an issuing \
            CA with its openssl ca index.txt, a delegated OCSP responder, a leaf, a Must-Staple leaf and \
            a leaf revoked in the index), starts `staple respond` and `staple serve` from this same \
            executable on free loopback ports, and tells a story in four steps, each saying what was \
            checked and what it proved:

              1. The staple is on the very first handshake, proven by `staple check`, beside what \
            `openssl s_client -status` shows and does not check; the revoked leaf is never stapled.
              2. A revocation (`openssl ca -revoke`): the responder answers revoked within seconds, \
            `staple serve` withdraws the staple, `staple check` turns critical.
              3. An expired staple and one for another certificate: nginx (run privately on loopback \
            when installed; skipped otherwise, or with --no-nginx) staples them as they are; Staple refuses both.
              4. `staple lint` on a sample nginx configuration with the classic mistakes.

            To make a revocation visible in seconds the responder signs 10-minute responses every 2 s \
            and serve asks every 2 s (--min-refresh-interval 2); `staple check` gets thresholds to match. \
            Needs openssl (apt-get install openssl); nginx is optional. Colours when standard output is \
            a terminal, unless NO_COLOR is set. Ctrl-C (SIGINT) or SIGTERM stops every child process and \
            removes the temporary directory, at any point.

            Examples:
              swift run staple demo
              staple demo --keep-running     # then try it by hand
              staple demo --json | jq '.steps[] | {id, outcome}'

            Exit status:
              0  every step showed what it should (a skipped nginx step included)
              1  a step did not show what it should (the output says which, and what was seen)
              3  something it needs could not be made or started (openssl, a port, respond or serve)
              130, 143  interrupted by SIGINT, SIGTERM (after cleaning up); with --keep-running, once \
            the story is over, Ctrl-C exits with the story's status
            """
    )

    @Flag(
        help: "Leave staple respond and staple serve running after the story, until Ctrl-C, and print how to try them.")
    var keepRunning = false

    @Flag(help: "Print a JSON report of the steps instead of the story.")
    var json = false

    @Flag(help: "Skip nginx's half of step 3 even when nginx is installed.")
    var noNginx = false

    func run() async throws {
        let options = DemoOptions(
            staple: DemoOptions.runningExecutable(), keepRunning: keepRunning, quiet: json,
            style: .forStandardOutput(), skipNginx: noNginx)
        let json = self.json
        let runner = DemoRunner(options: options)
        let report = await runner.run(
            finished: { report in
                if json {
                    print(ReportJSON.render(report, exitCode: Self.status(report.result).rawValue), terminator: "")
                }
                fflush(nil)
            },
            interrupted: { signal, finished in
                fflush(nil)
                Glibc.exit(finished.map { Self.status($0.result).rawValue } ?? 128 + signal)
            })
        let status = Self.status(report.result)
        if status != .hoped { throw status.exitCode }
    }

    /// The one mapping from the demo's result to an exit status.
    static func status(_ result: DemoReport.Result) -> ExitStatus {
        switch result {
        case .allShown: .hoped
        case .stepNotShown: .judged
        case .couldNotStart: .unreachable
        }
    }
}
