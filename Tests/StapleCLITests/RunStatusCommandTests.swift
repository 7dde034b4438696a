import Foundation
import StapleRun
import StapleTestSupport
import Testing

/// `staple status` (the built binary) against a real HTTP endpoint serving a status document, and
/// `staple run`'s usage errors and help.
@Suite struct RunStatusCommandTests {
    static func document(stapled: Bool) -> [UInt8] {
        let now = Date()
        return RunStatus(
            generatedAt: now, service: "run",
            sites: [
                SiteStatus(
                    name: "www", certificate: "/etc/ssl/www.pem", serial: "1001", stapled: true,
                    thisUpdate: now - 60, nextUpdate: now + 3600, nextRefresh: now + 1700, lastUpdate: now - 60,
                    lastOutcome: "replaced", lastFetch: "good", successes: 1,
                    outputs: [OutputStatus(kind: "directory", target: "directory /out/www.der", outcome: "installed")]),
                SiteStatus(
                    name: "api", certificate: "/etc/ssl/api.pem", serial: "1002", stapled: stapled,
                    problem: stapled ? nil : "no good staple has been fetched for this certificate",
                    lastFetch: "network", failures: 3),
            ]
        ).json()
    }

    @Test func printsTheTableAndExitsByWhatIsInstalled() async throws {
        for stapled in [true, false] {
            let body = Self.document(stapled: stapled)
            let answer: @Sendable (RecordedRequest) -> TestHTTPAction = { _ in
                .respond(status: 200, headers: [], body: body)
            }
            try await withTestHTTPServer(handler: answer) { server in
                let run = try StapleBinary.run(["status", "--url", server.url(path: "")])
                #expect(run.status == (stapled ? 0 : 1), "\(run)")
                #expect(run.stdout.contains("SITE"))
                #expect(run.stdout.contains("www"))
                #expect(run.stdout.contains("api"))
                #expect(run.stdout.contains(stapled ? "2 of 2 sites stapled" : "1 of 2 sites stapled"))
                if !stapled { #expect(run.stdout.contains("api: no good staple has been fetched")) }
                #expect(server.requests.first?.uri == "/status")
                let json = try StapleBinary.run(["status", "--url", server.url(path: "/status"), "--json"])
                #expect(try RunStatus.decode(Array(json.stdout.utf8)).sites.count == 2)
            }
        }
    }

    @Test func unreachableIsThreeAndGarbageIsTwo() async throws {
        let closed = try ClosedPort()
        let unreachable = try StapleBinary.run(["status", "--url", "http://127.0.0.1:\(closed.port)"])
        #expect(unreachable.status == 3, "\(unreachable)")
        let html: @Sendable (RecordedRequest) -> TestHTTPAction = { _ in
            .respond(status: 200, headers: [], body: Array("<html>".utf8))
        }
        try await withTestHTTPServer(handler: html) { server in
            let garbage = try StapleBinary.run(["status", "--url", server.url(path: "")])
            #expect(garbage.status == 2, "\(garbage)")
        }
    }

    @Test func runHelpTeachesAndUsageErrorsExitTwo() throws {
        let help = try StapleBinary.run(["run", "--help"])
        #expect(help.status == 0)
        for text in [
            "--config", "--nginx", "--haproxy", "--once", "--renewed", "--check-config", "Exit status:", "SIGHUP",
        ] {
            #expect(help.stdout.contains(text), "help lacks \(text)")
        }
        #expect(try StapleBinary.run(["run"]).status == 2)
        #expect(try StapleBinary.run(["run", "--config", "a.yaml", "--nginx", "n.conf"]).status == 2)
        #expect(try StapleBinary.run(["run", "--config", "a.yaml", "--once", "--check-config"]).status == 2)
        let missing = try StapleBinary.run(["run", "--config", "/nonexistent/staple.yaml", "--once"])
        #expect(missing.status == 2, "\(missing)")
        #expect(missing.stderr.contains("/nonexistent/staple.yaml"))
        let status = try StapleBinary.run(["status", "--help"])
        #expect(status.status == 0 && status.stdout.contains("Exit status:"))
    }
}
