import Foundation
import Testing

/// `staple inspect` as a user runs it, on the third-party corpora (paths relative to `../shared/corpora`).
@Suite("staple inspect")
struct InspectCommandTests {
    @Test("a good response for its certificate: exit 0, every check listed, openssl's fields")
    func good() throws {
        let result = try StapleBinary.run([
            "inspect", "aws-lc/ocsp_response.der", "--cert", "aws-lc/rsa_cert.pem", "--issuer", "aws-lc/ca_cert.pem",
            "--at", "2025-01-01T00:00:00Z",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("OCSP Response Status: successful"))
        #expect(result.stdout.contains("Cert Status: good"))
        #expect(result.stdout.contains("Verdict: good"))
        for check in [
            "size-and-der", "response-status", "signature", "signer-authorized", "certid-match", "next-update",
        ] {
            #expect(result.stdout.contains("[ok  ] \(check)"), "check \(check)")
        }
        // The same CertID fields as OpenSSL prints.
        let theirs = try StapleBinary.openssl([
            "ocsp", "-respin", "aws-lc/ocsp_response.der", "-resp_text", "-noverify",
        ])
        for field in ["Serial Number: ", "Issuer Name Hash: ", "Issuer Key Hash: "] {
            let line = theirs.stdout.split(separator: "\n").first { $0.contains(field) }.map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            #expect(line != nil && result.stdout.contains(line!), "\(field) as openssl prints it")
        }
    }

    @Test("JSON: revoked is judged, exit 1, with stable fields")
    func revokedJSON() throws {
        let result = try StapleBinary.run([
            "inspect", "aws-lc/ocsp_response_revoked.der", "--cert", "aws-lc/rsa_cert.pem", "--issuer",
            "aws-lc/ca_cert.pem",
            "--at", "1735689600", "--json",
        ])
        #expect(result.status == 1)
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let verification = document["verification"] as! [String: Any]
        #expect(verification["verdict"] as? String == "revoked")
        #expect(verification["stapleable"] as? Bool == false)
        #expect(verification["revocationTime"] is String)
        #expect((verification["checks"] as! [[String: Any]]).count >= 10)
        #expect(document["responseStatus"] as? String == "successful")
        let responses = document["responses"] as! [[String: Any]]
        #expect(responses.first?["status"] as? String == "revoked")
    }

    @Test("rejected, responder error and no nextUpdate all exit 1 with the reason")
    func judgedFailures() throws {
        let expired = try StapleBinary.run([
            "inspect", "aws-lc/ocsp_response_expired_signer.der", "--cert", "aws-lc/rsa_cert.pem", "--issuer",
            "aws-lc/ca_cert.pem",
            "--at", "1735689600",
        ])
        #expect(expired.status == 1)
        #expect(expired.stdout.contains("[FAIL] signer-authorized"))
        #expect(expired.stdout.contains("Verdict: rejected"))

        let tryLater = try StapleBinary.run(["inspect", "aws-lc/ocsp_response_trylater.der"])
        #expect(tryLater.status == 1)
        #expect(tryLater.stdout.contains("OCSP Response Status: tryLater"))

        let open = try StapleBinary.run([
            "inspect", "s2n-tls/ocsp_response_no_next_update.der", "--cert", "s2n-tls/server_cert.pem", "--issuer",
            "s2n-tls/ca_cert.pem", "--at", "1735689600",
        ])
        #expect(open.status == 1)
        #expect(open.stdout.contains("Verdict: good"))
        #expect(open.stdout.contains("Stapleable: no"))
    }

    @Test("base64 input (OpenSSL's .ors files) and a chain file that holds the issuer")
    func encodingsAndChains() throws {
        let chain = FileManager.default.temporaryDirectory.appendingPathComponent(
            "staple-chain-\(UUID().uuidString).pem")
        defer { try? FileManager.default.removeItem(at: chain) }
        let leaf = try String(
            contentsOf: StapleBinary.corpora.appendingPathComponent("openssl-ocsp/ND1_Cert_EE.pem"), encoding: .utf8)
        let issuer = try String(
            contentsOf: StapleBinary.corpora.appendingPathComponent("openssl-ocsp/ND1_Issuer_ICA.pem"), encoding: .utf8)
        try (leaf + "\n" + issuer).write(to: chain, atomically: true, encoding: .utf8)
        let result = try StapleBinary.run([
            "inspect", "openssl-ocsp/ND1.ors", "--cert", chain.path, "--at", "1349948473",
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test("unreadable input exits 2 and names the file and the problem")
    func unreadable() throws {
        let missing = try StapleBinary.run(["inspect", "no/such/file.der"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no/such/file.der") && missing.stderr.contains("no such file"))

        let garbage = try StapleBinary.run(["inspect", "aws-lc/certs.txt"])
        #expect(garbage.status == 2)
        #expect(garbage.stderr.contains("aws-lc/certs.txt"))

        let notACert = try StapleBinary.run([
            "inspect", "aws-lc/ocsp_response.der", "--cert", "aws-lc/ocsp_response.der",
        ])
        #expect(notACert.status == 2)
        #expect(notACert.stderr.contains("certificate aws-lc/ocsp_response.der"))

        let noIssuer = try StapleBinary.run(["inspect", "aws-lc/ocsp_response.der", "--cert", "aws-lc/rsa_cert.pem"])
        #expect(noIssuer.status == 2)
        #expect(noIssuer.stderr.contains("--issuer"))

        let usage = try StapleBinary.run(["inspect", "aws-lc/ocsp_response.der", "--at", "2025-01-01"])
        #expect(usage.status == 2, "a usage error exits 2, never ArgumentParser's 64: \(usage.stderr)")
        #expect(usage.stderr.contains("--cert"))
    }
}
