import Foundation

/// Step 3: an expired staple and a staple for another certificate. nginx (when installed, run
/// privately on loopback) staples both as they are; Staple refuses both.
package enum BadStaplesStep {
    package static let title = "An expired staple and a foreign one: nginx sends them, Staple refuses"

    /// The two bad staple files, made before the step so that step 4 can lint them too.
    package struct Files: Sendable {
        package var expired: String
        package var foreign: String
    }

    /// Makes the expired staple (signed by the real responder, nextUpdate a day ago) and a good
    /// staple for the site's certificate, fetched with `staple fetch`, that nginx will send for another.
    package static func makeFiles(_ context: DemoContext) async throws(DemoError) -> (Files, ToolRun) {
        let files = Files(
            expired: "\(context.directory)/staples/expired.ocsp", foreign: "\(context.directory)/staples/demo.ocsp")
        do {
            try FileManager.default.createDirectory(
                atPath: "\(context.directory)/staples", withIntermediateDirectories: true)
        } catch {
            throw DemoError(.directoryFailed, subject: "\(context.directory)/staples", reason: "\(error)")
        }
        try ExpiredStaple.write(to: files.expired, leaf: context.pki.site, pki: context.pki, now: Date())
        let fetch = try await context.staple(
            ["fetch", context.pki.site.chainPath, "-o", files.foreign],
            waiting: "staple fetch for \(context.pki.site.name)")
        guard fetch.status == 0 else {
            throw DemoError(
                .cannotStart, subject: "staple fetch",
                reason:
                    "could not fetch a staple for \(context.pki.site.name) from staple respond: \(fetch.errors)\(fetch.output)"
            )
        }
        return (files, fetch)
    }

    package static func run(_ context: DemoContext, files: Files, fetch: ToolRun) async throws(DemoError) -> StepReport
    {
        let narrator = context.narrator
        let pki = context.pki
        var step = StepReport(id: "bad-staples", title: title)
        narrator.heading(3, step.title)
        narrator.note(
            "expired.ocsp: good for \(pki.site.name), signed by the real responder, nextUpdate a day ago (a staple file nobody refreshes)."
        )
        narrator.ran(
            fetch, directory: context.directory,
            showing: ["demo.ocsp: good, for \(pki.site.name); nginx will send it for \(pki.other.name)"])
        step.commands.append(fetch.shown(directory: context.directory))

        switch context.nginx {
        case .installed(let nginx):
            try await nginxHalf(context, nginx: nginx, files: files, step: &step)
        case .notInstalled:
            step.outcome = .skipped
            step.problems.append(
                "nginx is not installed (apt-get install nginx): nginx's half of this step was skipped")
            narrator.caution(
                "nginx is not installed (apt-get install nginx): skipping what nginx does with these files.")
        case .notWanted:
            step.outcome = .skipped
            step.problems.append("--no-nginx: nginx's half of this step was skipped")
            narrator.caution("--no-nginx: skipping what nginx does with these files.")
        }

        // What Staple does instead: the same verifier as serve and check refuses both files.
        narrator.say(
            "   What Staple does with the same files (staple serve and staple run staple only what verifies good and unexpired):"
        )
        let expired = try await context.staple(["inspect", files.expired, "--cert", pki.site.chainPath])
        let foreign = try await context.staple(["inspect", files.foreign, "--cert", pki.other.chainPath])
        for run in [expired, foreign] {
            step.commands.append(run.shown(directory: context.directory))
            narrator.ran(run, directory: context.directory, showing: verdictLines(run))
        }
        step.facts["inspect_expired_status"] = .number(Double(expired.status ?? -1))
        step.facts["inspect_foreign_status"] = .number(Double(foreign.status ?? -1))
        step.expect(
            expired.status == 1,
            "staple inspect did not refuse the expired staple (exit \(expired.exitShown))")
        step.expect(
            foreign.status == 1,
            "staple inspect did not refuse the foreign staple (exit \(foreign.exitShown))")
        step.checked.append("staple inspect verified both files against the certificates they were served for")
        if step.outcome == .shown {
            step.proved =
                "nginx staples an expired and a foreign staple as they are (s_client exits 0); staple check calls both critical, and Staple refuses both"
        } else if step.outcome == .skipped, step.problems.count == 1 {
            step.proved = "Staple refuses both files"
        }
        narrator.outcome(step)
        return step
    }

    private static func nginxHalf(
        _ context: DemoContext, nginx: String, files: Files, step: inout StepReport
    ) async throws(DemoError) {
        let narrator = context.narrator
        let pki = context.pki
        let expiredPort = try PortProbe.freePort()
        let foreignPort = try PortProbe.freePort()
        let server = PrivateNginx(
            root: "\(context.directory)/nginx",
            sites: [
                .init(
                    port: expiredPort, chainPath: pki.site.chainPath, keyPath: pki.site.keyPath,
                    staplePath: files.expired,
                    comment: "\(pki.site.name) with an expired ssl_stapling_file"),
                .init(
                    port: foreignPort, chainPath: pki.other.chainPath, keyPath: pki.other.keyPath,
                    staplePath: files.foreign, comment: "\(pki.other.name) with the staple of \(pki.site.name)"),
            ])
        let process = try await server.start(nginx: nginx, cleanup: context.cleanup, progress: context.runner.progress)
        defer { process.stopNow() }
        narrator.say(
            "   nginx (private, on 127.0.0.1:\(expiredPort) and :\(foreignPort)) with ssl_stapling_file = expired.ocsp and demo.ocsp:"
        )
        let sClient = try await context.sClient(port: expiredPort, name: pki.site.name)
        step.commands.append(sClient.shown(directory: context.directory) + " </dev/null")
        let printed = OpenSSLOutput.stapleLines(sClient.output)
        narrator.ran(
            sClient, directory: context.directory,
            showing: printed + ["(exit status \(sClient.exitShown))"])
        narrator.caution(
            "s_client shows \"Cert Status: good\" and exits 0: the Next Update above has passed, and it does not care.")
        step.facts["nginx_stapled_expired"] = .flag(printed.contains { $0.hasPrefix("Cert Status") })

        let check = try await context.staple(
            [
                "check", "\(pki.site.name):\(expiredPort)", "\(pki.other.name):\(foreignPort)", "--connect",
                "127.0.0.1",
                "--ca-file", pki.rootPath, "--json",
            ] + context.checkThresholds,
            waiting: "staple check on nginx")
        step.commands.append(check.shown(directory: context.directory))
        let document = CheckDocument.parse(check)
        let expired = document?.target(pki.site.name)
        let foreign = document?.target(pki.other.name)
        var lines: [String] = []
        for target in [expired, foreign].compactMap({ $0 }) {
            lines.append(
                "\(target.host): \(FirstHandshakeStep.colour(target.status, narrator.style)) — \(target.headline)")
        }
        narrator.ran(check, directory: context.directory, showing: lines)
        step.facts["nginx_expired_check"] = .text(expired?.status ?? "missing")
        step.facts["nginx_foreign_check"] = .text(foreign?.status ?? "missing")
        step.expect(expired?.stapledAtAll == true, "nginx did not staple the expired file")
        step.expect(foreign?.stapledAtAll == true, "nginx did not staple the foreign file")
        step.expect(
            expired?.findingIDs.contains("staple-expired") == true,
            "staple check did not find the expired staple nginx sends (\(expired?.headline ?? "no report"))")
        step.expect(
            foreign?.findingIDs.contains("staple-for-another-certificate") == true,
            "staple check did not find the foreign staple nginx sends (\(foreign?.headline ?? "no report"))")
        step.checked += [
            "openssl s_client -status against nginx serving the expired staple",
            "staple check against nginx serving the expired and the foreign staple",
        ]
    }

    /// The verdict and stapleable lines of `staple inspect --cert`, and the failed check.
    static func verdictLines(_ run: ToolRun) -> [String] {
        let lines = run.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let failed = lines.filter { $0.hasPrefix("[FAIL") || $0.hasPrefix("[fail") }
        let verdict = lines.filter { $0.hasPrefix("Verdict") || $0.hasPrefix("Stapleable") }
        return failed + verdict + ["(exit status \(run.exitShown))"]
    }
}
