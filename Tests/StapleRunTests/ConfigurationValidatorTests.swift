import Foundation
import StapleTestSupport
import Testing

@testable import StapleRun

@Suite("run configuration: --check-config")
struct ConfigurationValidatorTests {
    /// A PKI with a leaf that has an OCSP URL (`good.pem`: leaf then CA), one without (`nourl.pem`),
    /// and the leaf alone (`alone.pem`); a configuration file path in the PKI's directory.
    final class Fixture {
        let pki: TestPKI
        let good: TestPKI.Leaf
        let noURL: TestPKI.Leaf
        let alone: String
        let path: String

        init() throws {
            pki = try TestPKI(name: "validator")
            good = try pki.issue(fileName: "good", ocspURLs: ["http://127.0.0.1:1/"])
            noURL = try pki.issue(fileName: "nourl")
            alone = pki.path("alone.pem")
            try good.pem.write(toFile: alone, atomically: true, encoding: .utf8)
            try noURL.pem.write(toFile: pki.path("nourl-leaf.pem"), atomically: true, encoding: .utf8)
            try "not a certificate\n".write(toFile: pki.path("garbage.pem"), atomically: true, encoding: .utf8)
            try "4242\n".write(toFile: pki.path("nginx.pid"), atomically: true, encoding: .utf8)
            path = pki.path("staple.yaml")
        }

        deinit { pki.remove() }

        /// The problems of a configuration made of these sites (YAML site entries).
        func problems(_ sites: String) throws -> [ConfigurationError] {
            let yaml = "state_directory: \(pki.directory)/state\nsites:\n" + sites
            return RunConfigurationValidator.problems(in: try RunConfigurationLoader.parse(yaml: yaml, path: path))
        }
    }

    @Test func aGoodConfigurationHasNoProblems() throws {
        let fixture = try Fixture()
        let problems = try fixture.problems(
            """
              - name: www
                certificate: good.pem
                nginx: {staple_file: www.der, pid_file: nginx.pid}
                haproxy: {crt: good.pem, socket: admin.sock}
                directory: out
              - name: alone
                certificate: alone.pem
                issuer: ca.pem
                directory: out
              - name: nourl
                certificate: nourl.pem
                responder: http://127.0.0.1:2/
                directory: out

            """)
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func eachProblemNamesTheSitesLine() throws {
        let fixture = try Fixture()
        let problems = try fixture.problems(
            """
              - name: missing
                certificate: absent.pem
                directory: out
              - name: garbage
                certificate: garbage.pem
                issuer: absent-issuer.pem
                directory: out
              - name: alone
                certificate: alone.pem
                directory: out
              - name: wrong-issuer
                certificate: alone.pem
                issuer: nourl-leaf.pem
                directory: out
              - name: nourl
                certificate: nourl.pem
                directory: out
              - name: outputs
                certificate: good.pem
                nginx: {staple_file: no/such/dir/www.der, pid_file: no-nginx.pid}
                haproxy: {crt: no/such/dir/www.pem}

            """)
        let seen = problems.map { "\($0.code) \($0.subject ?? "")" }
        let path = fixture.path
        #expect(
            seen == [
                "missing-file \(path):3", "bad-certificate \(path):6", "missing-file \(path):6", "no-issuer \(path):10",
                "no-issuer \(path):13", "no-responder \(path):17", "missing-file \(path):20", "missing-file \(path):20",
                "missing-file \(path):20", "missing-file \(path):20",
            ])
        let reasons = problems.map(\.reason)
        #expect(reasons[0] == "site `missing`: its certificate \(fixture.pki.directory)/absent.pem does not exist")
        #expect(reasons[1].contains("garbage.pem") && reasons[1].contains("no CERTIFICATE block"))
        #expect(reasons[3].contains("CN=Staple Test CA validator") && reasons[3].contains("add `issuer: <PEM file>`"))
        #expect(reasons[3].contains("serial \(fixture.good.serialHex)"))
        #expect(reasons[5].contains("has no OCSP URL") && reasons[5].contains("`responder: http://...`"))
        #expect(reasons[6].contains("`staple_file`") && reasons[7].contains("`pid_file`"))
        #expect(reasons[8].contains("directory of its `crt`") && reasons[9].contains("`crt`"))
    }
}
