import Foundation

/// Step 2: a revocation written into the index by `openssl ca -revoke`; the responder answers
/// revoked within seconds, `staple serve` withdraws the staple, `staple check` turns critical.
package enum RevocationStep {
    package static func run(_ context: DemoContext) async throws(DemoError) -> StepReport {
        let narrator = context.narrator
        let pki = context.pki
        let leaf = pki.mustStaple
        var step = StepReport(id: "revocation", title: "A revocation: the responder, then serve, then check")
        narrator.heading(2, step.title)
        narrator.note(
            "The CA revokes \(leaf.name) (Must-Staple) as an operator would; staple respond watches index.txt.")
        let clock = ContinuousClock()
        let revokedAt = clock.now
        let revoke = try await pki.revoke(leaf, openssl: context.openssl, runner: context.runner)
        step.commands.append(revoke.shown(directory: context.directory))
        let line = ((try? String(contentsOfFile: pki.indexPath, encoding: .utf8)) ?? "").split(separator: "\n")
            .first { $0.hasPrefix("R") && $0.contains("CN=\(leaf.name)") }.map(String.init)
        narrator.ran(revoke, directory: context.directory, showing: line.map { ["index.txt: \($0)"] } ?? [])
        step.facts["index_line"] = .text(line ?? "")
        step.expect(line != nil, "index.txt has no R line for \(leaf.name) after openssl ca -revoke")

        // The responder: asked with OpenSSL's own client until it says revoked.
        let ask = [
            "ocsp", "-issuer", pki.intermediatePath, "-cert", leaf.certificatePath, "-url",
            "http://127.0.0.1:\(context.respondPort)/", "-CAfile", pki.rootPath, "-verify_other", pki.intermediatePath,
            "-no_nonce",
        ]
        var responder: ToolRun?
        var responderSeconds: Double?
        while clock.now - revokedAt < DemoTiming.changeDeadline {
            let run = try await context.runner.run(
                context.openssl, ask, waiting: "asking staple respond about \(leaf.name) until it says revoked")
            responder = run
            if run.output.contains("\(leaf.certificatePath): revoked") {
                responderSeconds = seconds(clock.now - revokedAt)
                break
            }
            context.runner.progress.show(
                "staple respond still says good about \(leaf.name)", elapsed: clock.now - revokedAt)
            try? await Task.sleep(for: .milliseconds(200))
        }
        context.runner.progress.clear()
        if let responder {
            step.commands.append(responder.shown(directory: context.directory))
            let said = responder.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter {
                    $0.hasPrefix(leaf.certificatePath) || $0.hasPrefix("Reason") || $0.hasPrefix("Revocation Time")
                }
                .map { $0.replacingOccurrences(of: context.directory, with: "$DEMO") }
            narrator.ran(responder, directory: context.directory, showing: said)
        }
        step.facts["responder_revoked"] = .flag(responderSeconds != nil)
        if let responderSeconds {
            step.facts["responder_revoked_after_seconds"] = .number(rounded(responderSeconds))
            narrator.proved(
                "staple respond answered revoked \(format(responderSeconds)) s after the index changed (it polls index.txt every \(DemoTiming.responderPollInterval) s and signs the changed serials at once)"
            )
        } else {
            step.fail("staple respond did not answer revoked within \(DemoTiming.changeDeadline)")
        }

        // staple serve: handshakes until no staple comes.
        var withdrawnSeconds: Double?
        var lastHandshake: ToolRun?
        while clock.now - revokedAt < DemoTiming.changeDeadline {
            let run = try await context.sClient(port: context.servePort, name: leaf.name)
            lastHandshake = run
            if OpenSSLOutput.noStaple(run.output) {
                withdrawnSeconds = seconds(clock.now - revokedAt)
                break
            }
            context.runner.progress.show(
                "staple serve still staples the good answer for \(leaf.name); it asks every \(DemoTiming.serveMinimumRefreshInterval) s",
                elapsed: clock.now - revokedAt)
            try? await Task.sleep(for: .milliseconds(250))
        }
        context.runner.progress.clear()
        if let lastHandshake {
            step.commands.append(lastHandshake.shown(directory: context.directory) + " </dev/null")
            narrator.ran(
                lastHandshake, directory: context.directory, showing: OpenSSLOutput.stapleLines(lastHandshake.output))
        }
        step.facts["serve_withdrew"] = .flag(withdrawnSeconds != nil)
        if let withdrawnSeconds {
            step.facts["serve_withdrew_after_seconds"] = .number(rounded(withdrawnSeconds))
            narrator.proved(
                "staple serve stopped stapling \(format(withdrawnSeconds)) s after the revocation: its next fetch got revoked and the staple was withdrawn, never to be served again"
            )
        } else {
            step.fail("staple serve still stapled \(leaf.name) \(DemoTiming.changeDeadline) after the revocation")
        }
        narrator.note(
            "Why so fast: the demo's responder signs 10-minute responses anew every 2 s (--validity \(DemoTiming.responderValidity) --refresh \(DemoTiming.responderRefresh)),"
        )
        narrator.note(
            "and serve asks again every \(DemoTiming.serveMinimumRefreshInterval) s (--min-refresh-interval \(DemoTiming.serveMinimumRefreshInterval)); it refreshes at half a response's validity, so with"
        )
        narrator.note(
            "7-day responses it would learn of the revocation within about 3.5 days, as any stapling server would.")

        // staple check: the Must-Staple certificate without a staple, and the responder's word.
        let check = try await context.staple(
            [
                "check", "\(leaf.name):\(context.servePort)", "--connect", "127.0.0.1", "--ca-file", pki.rootPath,
                "--fetch", "--json",
            ]
                + context.checkThresholds,
            waiting: "staple check on \(leaf.name)")
        step.commands.append(check.shown(directory: context.directory))
        let target = CheckDocument.parse(check)?.target(leaf.name)
        var lines = [
            "\(leaf.name): \(FirstHandshakeStep.colour(target?.status ?? "missing", narrator.style)) (exit \(check.exitShown))"
        ]
        for finding in target?.deployment?.findings ?? [] where finding.severity != "info" {
            lines.append("\(finding.severity.uppercased()) \(finding.id): \(finding.seen)")
        }
        narrator.ran(check, directory: context.directory, showing: lines)
        step.facts["check_status"] = .text(target?.status ?? "missing")
        step.expect(
            target?.status == "critical",
            "staple check judged \(leaf.name) \(target?.status ?? "(no report)"), not critical")
        step.checked = [
            "openssl ocsp asked staple respond about \(leaf.name) until it answered revoked",
            "openssl s_client handshakes with staple serve until no staple came",
            "staple check --fetch judged the server: a Must-Staple certificate without a staple, and the responder says revoked",
        ]
        if step.outcome == .shown {
            step.proved =
                "a revocation in index.txt reached the responder, then serve (which withdrew the staple), and staple check turned critical"
        }
        narrator.outcome(step)
        return step
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
    static func format(_ value: Double) -> String { String(format: "%.2f", value) }
}
