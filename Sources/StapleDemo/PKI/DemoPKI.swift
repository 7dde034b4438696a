import Foundation

/// The throwaway PKI, made with the system `openssl` as a small private CA would make it: a root,
/// an intermediate that issues with `openssl ca` (so its database, `index.txt`, is the real thing
/// `staple respond` reads), a delegated OCSP responder (id-kp-OCSPSigning, ocsp-nocheck), and leaves
/// whose OCSP URL points at the local responder: a plain one, a Must-Staple one, one revoked in the
/// index from the start, and one more for "a staple for another certificate". P-256 keys throughout.
package struct DemoPKI: Sendable {
    /// One leaf: its key, its certificate, and the chain `staple serve` and nginx are given (leaf, intermediate).
    package struct Leaf: Sendable {
        package var name: String
        package var keyPath: String
        package var certificatePath: String
        package var chainPath: String
    }

    package var directory: String
    package var rootPath: String { "\(directory)/root.pem" }
    package var intermediatePath: String { "\(directory)/intermediate.pem" }
    package var responderPath: String { "\(directory)/ocsp-responder.pem" }
    package var responderKeyPath: String { "\(directory)/ocsp-responder.key" }
    package var indexPath: String { "\(directory)/ca/index.txt" }
    package var configurationPath: String { "\(directory)/ca.cnf" }
    package var ocspURL: String

    package var site: Leaf { leaf("demo.staple.test") }
    package var mustStaple: Leaf { leaf("must.staple.test") }
    package var revoked: Leaf { leaf("revoked.staple.test") }
    package var other: Leaf { leaf("other.staple.test") }

    package func leaf(_ name: String) -> Leaf {
        let stem = "\(directory)/\(name.split(separator: ".").first ?? "leaf")"
        return Leaf(name: name, keyPath: "\(stem).key", certificatePath: "\(stem).pem", chainPath: "\(stem)-chain.pem")
    }

    /// Makes the PKI in `directory` (created) with `openssl` at `opensslPath`.
    ///
    /// - Throws: ``DemoError`` `pkiFailed` naming the openssl command that failed and what it said.
    package static func make(
        in directory: String, ocspURL: String, openssl: String, runner: ToolRunner
    ) async throws(DemoError) -> DemoPKI {
        let pki = DemoPKI(directory: directory, ocspURL: ocspURL)
        do {
            try FileManager.default.createDirectory(atPath: "\(directory)/ca/issued", withIntermediateDirectories: true)
            try "".write(toFile: pki.indexPath, atomically: true, encoding: .utf8)
            try "1000\n".write(toFile: "\(directory)/ca/serial", atomically: true, encoding: .utf8)
            try pki.configuration.write(toFile: pki.configurationPath, atomically: true, encoding: .utf8)
        } catch {
            throw DemoError(.directoryFailed, subject: directory, reason: "cannot write the CA files: \(error)")
        }
        func run(_ arguments: [String]) async throws(DemoError) {
            let result = try await runner.run(openssl, arguments, waiting: "making the throwaway PKI with openssl")
            guard result.status == 0 else {
                throw DemoError(
                    .pkiFailed, subject: "openssl \(arguments.first ?? "")",
                    reason:
                        "\(result.shown(directory: directory)) exited \(result.status.map(String.init) ?? "(killed)"): "
                        + (result.errors + result.output).trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        func key(_ path: String) async throws(DemoError) {
            try await run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path])
        }
        func request(_ keyPath: String, _ subject: String) async throws(DemoError) -> String {
            let path = keyPath.replacingOccurrences(of: ".key", with: ".csr")
            try await run(["req", "-new", "-key", keyPath, "-subj", subject, "-out", path])
            return path
        }
        // The root signs itself; the intermediate is signed by the root.
        try await key("\(directory)/root.key")
        try await run([
            "req", "-x509", "-new", "-key", "\(directory)/root.key", "-subj", "/CN=Staple Demo Root CA", "-days", "30",
            "-config", pki.configurationPath, "-extensions", "root_ext", "-out", pki.rootPath,
        ])
        try await key("\(directory)/intermediate.key")
        let intermediateRequest = try await request("\(directory)/intermediate.key", "/CN=Staple Demo Issuing CA")
        try await run([
            "x509", "-req", "-in", intermediateRequest, "-CA", pki.rootPath, "-CAkey", "\(directory)/root.key",
            "-set_serial", "2", "-days", "30", "-extfile", pki.configurationPath, "-extensions", "intermediate_ext",
            "-out", pki.intermediatePath,
        ])
        // Everything else is issued by the intermediate with `openssl ca`, into its index.
        func issue(
            _ keyPath: String, subject: String, extensions: String, out: String, days: Int
        ) async throws(DemoError) {
            try await key(keyPath)
            let csr = try await request(keyPath, subject)
            try await run([
                "ca", "-batch", "-notext", "-config", pki.configurationPath, "-extensions", extensions, "-days",
                "\(days)",
                "-in", csr, "-out", out,
            ])
        }
        try await issue(
            pki.responderKeyPath, subject: "/CN=Staple Demo OCSP Responder", extensions: "ocsp_ext",
            out: pki.responderPath, days: 7)
        for (leaf, extensions) in [
            (pki.site, "site_ext"), (pki.mustStaple, "must_ext"), (pki.revoked, "revoked_ext"),
            (pki.other, "other_ext"),
        ] {
            try await issue(
                leaf.keyPath, subject: "/CN=\(leaf.name)", extensions: extensions, out: leaf.certificatePath, days: 30)
            do {
                let chain =
                    try String(contentsOfFile: leaf.certificatePath, encoding: .utf8)
                    + String(contentsOfFile: pki.intermediatePath, encoding: .utf8)
                try chain.write(toFile: leaf.chainPath, atomically: true, encoding: .utf8)
            } catch {
                throw DemoError(.directoryFailed, subject: leaf.chainPath, reason: "cannot write the chain: \(error)")
            }
        }
        _ = try await pki.revoke(pki.revoked, openssl: openssl, runner: runner)
        return pki
    }

    /// Revokes `leaf` the way a CA operator does: `openssl ca -revoke` (keyCompromise), which
    /// rewrites `index.txt` with an R line and the revocation time. Returns the command run.
    package func revoke(_ leaf: Leaf, openssl: String, runner: ToolRunner) async throws(DemoError) -> ToolRun {
        let result = try await runner.run(
            openssl,
            [
                "ca", "-batch", "-config", configurationPath, "-revoke", leaf.certificatePath, "-crl_reason",
                "keyCompromise",
            ])
        guard result.status == 0 else {
            throw DemoError(
                .pkiFailed, subject: "openssl ca -revoke",
                reason:
                    "revoking \(leaf.name) failed: \((result.errors + result.output).trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        }
        return result
    }

    /// The `openssl ca` configuration: the intermediate's database and one extension section per kind.
    var configuration: String {
        func leafSection(_ name: String, _ leaf: Leaf, mustStaple: Bool = false) -> String {
            """
            [ \(name) ]
            basicConstraints = CA:FALSE
            keyUsage = critical, digitalSignature
            extendedKeyUsage = serverAuth
            subjectAltName = DNS:\(leaf.name)
            authorityInfoAccess = OCSP;URI:\(ocspURL)
            \(mustStaple ? "tlsfeature = status_request" : "")

            """
        }
        return """
            # The throwaway issuing CA of `staple demo` (openssl ca).
            [ ca ]
            default_ca = demo_ca

            [ demo_ca ]
            dir = \(directory)/ca
            database = $dir/index.txt
            new_certs_dir = $dir/issued
            serial = $dir/serial
            certificate = \(intermediatePath)
            private_key = \(directory)/intermediate.key
            default_md = sha256
            default_days = 30
            policy = any_name
            unique_subject = no
            copy_extensions = none

            [ any_name ]
            commonName = supplied

            [ req ]
            distinguished_name = req_name
            [ req_name ]

            [ root_ext ]
            basicConstraints = critical, CA:TRUE
            keyUsage = critical, keyCertSign, cRLSign
            subjectKeyIdentifier = hash

            [ intermediate_ext ]
            basicConstraints = critical, CA:TRUE, pathlen:0
            keyUsage = critical, keyCertSign, cRLSign
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid

            # The delegated responder: OCSP signing only; ocsp-nocheck tells clients not to ask about it.
            [ ocsp_ext ]
            basicConstraints = CA:FALSE
            keyUsage = critical, digitalSignature
            extendedKeyUsage = OCSPSigning
            noCheck = ignored

            \(leafSection("site_ext", site))
            \(leafSection("must_ext", mustStaple, mustStaple: true))
            \(leafSection("revoked_ext", revoked))
            \(leafSection("other_ext", other))
            """
    }
}
