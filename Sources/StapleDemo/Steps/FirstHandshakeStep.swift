import Foundation

/// Step 1: the staple on the very first handshake, proven by `staple check`, beside what
/// `openssl s_client -status` shows and what it does not check; and the certificate revoked in the
/// index from the start, which `staple serve` never staples.
package enum FirstHandshakeStep {
    package static func run(_ context: DemoContext) async throws(DemoError) -> StepReport {
        let narrator = context.narrator
        let pki = context.pki
        var step = StepReport(id: "first-handshake", title: "The staple is there on the very first handshake")
        narrator.heading(1, step.title)
        narrator.note(
            "Nothing has connected to staple serve yet (the demo waited for its port in /proc/net/tcp, without connecting)."
        )
        let targets = [pki.site, pki.mustStaple, pki.revoked].map { "\($0.name):\(context.servePort)" }
        let check = try await context.staple(
            ["check"] + targets + ["--connect", "127.0.0.1", "--ca-file", pki.rootPath, "--fetch", "--json"]
                + context.checkThresholds,
            waiting: "staple check: handshakes with 3 names, each staple verified, the responder asked")
        step.commands.append(check.shown(directory: context.directory))
        guard let document = CheckDocument.parse(check) else {
            step.fail(
                "staple check printed no report (exit \(check.exitShown)): \(check.errors)")
            narrator.outcome(step)
            return step
        }
        var lines: [String] = []
        for leaf in [pki.site, pki.mustStaple, pki.revoked] {
            guard let target = document.target(leaf.name) else { continue }
            let handshakes = target.deployment?.handshakes.map {
                "#\($0.number) \($0.stapled ? "stapled" : "no staple")"
            }
            lines.append(
                "\(leaf.name): \(colour(target.status, narrator.style)) — \(target.headline)")
            if let handshakes { lines.append("  handshakes: " + handshakes.joined(separator: ", ")) }
        }
        narrator.ran(check, directory: context.directory, showing: lines)
        let site = document.target(pki.site.name)
        let must = document.target(pki.mustStaple.name)
        let revoked = document.target(pki.revoked.name)
        step.facts["first_handshake_stapled"] = .flag(site?.firstHandshakeStapled == true)
        step.facts["must_staple_first_handshake_stapled"] = .flag(must?.firstHandshakeStapled == true)
        step.facts["site_check_status"] = .text(site?.status ?? "missing")
        step.facts["revoked_leaf_stapled"] = .flag(revoked?.stapledAtAll ?? true)
        step.checked = [
            "staple check made its handshakes with \(pki.site.name) and \(pki.mustStaple.name) (Must-Staple) and verified each staple with the OCSP core: signature, delegated responder's authorization, CertID, time window, status",
            "staple check --fetch asked the responder about \(pki.revoked.name), revoked in the index before serve started",
        ]
        step.expect(site?.firstHandshakeStapled == true, "the first handshake with \(pki.site.name) had no staple")
        step.expect(site?.status == "ok", "staple check judged \(pki.site.name) \(site?.status ?? "(missing)"), not ok")
        step.expect(
            must?.firstHandshakeStapled == true, "the first handshake with \(pki.mustStaple.name) had no staple")
        step.expect(
            must?.status == "ok", "staple check judged \(pki.mustStaple.name) \(must?.status ?? "(missing)"), not ok")
        step.expect(
            revoked?.stapledAtAll == false, "staple serve stapled something for the revoked \(pki.revoked.name)")
        step.expect(
            revoked?.findingIDs.contains("responder-revoked") == true,
            "staple check --fetch did not report the responder's revocation of \(pki.revoked.name)")

        // The same handshake through OpenSSL's client: it prints the staple, and judges nothing.
        let sClient = try await context.sClient(port: context.servePort, name: pki.site.name)
        step.commands.append(sClient.shown(directory: context.directory) + " </dev/null")
        let printed = OpenSSLOutput.stapleLines(sClient.output)
        narrator.ran(
            sClient, directory: context.directory,
            showing: printed + ["(exit status \(sClient.exitShown))"])
        step.facts["s_client_printed_staple"] = .flag(printed.contains { $0.contains("Cert Status") })
        narrator.caution(
            "s_client printed the staple and exited 0, but checked none of it: not the signature, not that the "
                + "signer may speak for the CA, not that it is about this certificate, not its time window. It exits "
                + "0 for an expired or foreign staple too (step 3).")
        if step.outcome == .shown {
            step.proved =
                "staple serve stapled a staple that verifies from the first handshake on, the Must-Staple one too, and "
                + "never staples the revoked certificate; staple check is what proves it"
        }
        narrator.outcome(step)
        return step
    }

    static func colour(_ status: String, _ style: Style) -> String {
        switch status {
        case "ok": style.good("OK")
        case "warning": style.warn("WARNING")
        default: style.bad(status.uppercased())
        }
    }
}

/// Reading what `openssl s_client -status` and `openssl ocsp` print.
package enum OpenSSLOutput {
    /// The staple's lines from `s_client -status`: "no response sent", or the response status,
    /// the serial, cert status and the times.
    package static func stapleLines(_ output: String) -> [String] {
        let wanted = [
            "OCSP response: no response sent", "OCSP Response Status", "Serial Number", "Cert Status", "This Update",
            "Next Update",
        ]
        // The first of each: later "Serial Number" lines belong to the certificates printed after the response.
        var seen: Set<String> = []
        return output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { line in
                guard let prefix = wanted.first(where: { line.hasPrefix($0) }) else { return false }
                return seen.insert(prefix).inserted
            }
    }

    /// Whether `s_client -status` says no staple came.
    package static func noStaple(_ output: String) -> Bool {
        output.contains("OCSP response: no response sent")
    }
}
