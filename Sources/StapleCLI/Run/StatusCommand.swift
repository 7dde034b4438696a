import ArgumentParser
import Foundation
import StapleRun
import StatusHTTP

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print what a running `staple run` (or `staple serve --metrics-listen`) has installed.",
        discussion: """
            Reads GET /status from the address given to metrics_listen (staple run) or --metrics-listen \
            (staple serve) and prints one row per site: serial, whether a verified good staple is \
            installed, its thisUpdate and nextUpdate, the next refresh, the last fetch, the counts of \
            successes and failures, and what each output last did (the columns of HAProxy's \
            `show ssl ocsp-updates`). Sites without a staple are listed with the reason below the table.

            Examples:
              staple status
              staple status --url http://127.0.0.1:9180
              staple status --json | jq '.sites[] | select(.stapled | not) | .name'

            Exit status:
              0  every site has a verified good staple installed
              1  some site has none
              2  usage error, or the answer is not a staple status document
              3  the address cannot be reached
            """
    )

    @Option(help: "The status endpoint: http://HOST:PORT (the path /status is added when absent).")
    var url: String = "http://127.0.0.1:9180"

    @Flag(help: "Print the JSON document as received.")
    var json = false

    @Option(help: "Seconds to wait for the answer.")
    var timeout: Double = 5

    func validate() throws {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw ValidationError("--url is http://HOST:PORT")
        }
        guard timeout > 0 else { throw ValidationError("--timeout is seconds, more than 0") }
    }

    /// `url` with `/status` when it names no path.
    var statusURL: String {
        let rest = url.drop { $0 != "/" }.dropFirst(2)
        return rest.contains("/") ? url : url + "/status"
    }

    func run() async throws {
        let reply: StatusClient.Reply
        do {
            reply = try await StatusClient.get(statusURL, timeout: timeout)
        } catch {
            printError("status: cannot reach \(statusURL): \(error)")
            throw ExitStatus.unreachable.exitCode
        }
        let status: RunStatus
        do {
            guard reply.status == 200 else { throw ValidationError("HTTP \(reply.status)") }
            status = try RunStatus.decode(reply.body)
        } catch {
            printError("status: \(statusURL) did not answer a staple status document: \(error)")
            throw ExitStatus.unusable.exitCode
        }
        if json {
            FileHandle.standardOutput.write(Data(reply.body))
        } else {
            print(StatusTable.render(status, now: Date()), terminator: "")
        }
        guard status.sites.allSatisfy(\.stapled) else { throw ExitStatus.judged.exitCode }
    }
}
