import ConfigLint
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Hostile input in what the new readers take: `SSLCACertificatePath` directories, HAProxy
/// multi-certificate bundles and crt-store sections. Each run ends with a report or a named
/// failure, never a crash or a hang.
@Suite("Hostile side input")
struct HostileSideInputTests {
    static let now = Date(timeIntervalSince1970: 1_750_000_000)

    /// A temporary directory with `files` written into it.
    static func tree(_ files: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "staple-lint-side-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in files {
            let path = directory + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return directory
    }

    static func apache(_ caPath: String, root: String) -> String {
        """
        ServerRoot "\(root)"
        SSLStaplingCache shmcb:/tmp/stapling(32768)
        SSLStaplingReturnResponderErrors off
        <VirtualHost *:443>
            SSLEngine on
            SSLCertificateFile \(root)/leaf.pem
            SSLCACertificatePath \(caPath)
            SSLUseStapling On
        </VirtualHost>

        """
    }

    /// A trust directory holding a FIFO, garbage under a hash name, a directory under a hash name, a
    /// symlink loop and an oversize file: all skipped, the site is still linted.
    @Test func trustDirectoryWithHostileEntries() throws {
        let fixture = try Fixture.get()
        let root = try Self.tree([
            "ca/0badc0de.0": "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
            "ca/deadbeef.1": String(repeating: "x", count: 2 << 20),
            "ca/cafebabe.0/inner.pem": "",
        ])
        try FileManager.default.copyItem(atPath: fixture.pki + "/leaf.pem", toPath: root + "/leaf.pem")
        #expect(mkfifo(root + "/ca/12345678.0", 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: root + "/ca/87654321.0", withDestinationPath: "87654321.0")
        try Self.apache(root + "/ca", root: root).write(
            toFile: root + "/apache2.conf", atomically: true, encoding: .utf8)
        let report = Linter(now: fixture.now).lint(paths: [root + "/apache2.conf"], as: .apache)
        #expect(report.failures.isEmpty, "\(report.failures)")
        // Nothing usable in the directory: the issuer is not found.
        #expect(report.findings.map(\.ruleID).contains("chain-missing-issuer"))
    }

    /// A trust directory that is a file, or missing: named as unreadable at the directive.
    @Test(arguments: ["/dev/null", "/nonexistent/ca"])
    func trustDirectoryThatIsNotOne(_ path: String) throws {
        let fixture = try Fixture.get()
        let root = try Self.tree([:])
        try FileManager.default.copyItem(atPath: fixture.pki + "/leaf-full.pem", toPath: root + "/leaf.pem")
        try Self.apache(path, root: root).write(toFile: root + "/apache2.conf", atomically: true, encoding: .utf8)
        let report = Linter(now: fixture.now).lint(paths: [root + "/apache2.conf"], as: .apache)
        #expect(report.failures.isEmpty)
        let unreadable = try #require(report.findings.first { $0.ruleID == "certificate-unreadable" })
        #expect(unreadable.location.line == 7)
        #expect(unreadable.message.contains(path))
    }

    /// Bundle members that are FIFOs or garbage are refused like any certificate file.
    @Test func bundleMembersThatAreNotCertificates() throws {
        let root = try Self.tree([
            "haproxy.cfg": """
            global
                crt-base certs
            frontend www
                bind :8443 ssl crt site.pem
            """,
            "certs/site.pem.rsa": "garbage\n",
        ])
        #expect(mkfifo(root + "/certs/site.pem.ecdsa", 0o600) == 0)
        let report = Linter(now: Self.now).lint(paths: [root + "/haproxy.cfg"], as: .haproxy)
        #expect(report.failures.isEmpty)
        let unreadable = report.findings.filter { $0.ruleID == "certificate-unreadable" }
        #expect(unreadable.count == 2)
        #expect(unreadable.allSatisfy { $0.location.line == 4 })
    }

    /// crt-store lines with missing values, unknown stores and hostile quoting.
    @Test(arguments: [
        ("load crt", 0),
        ("load crt \"a.pem\" key", 0),
        ("load alias x", 0),
        ("load crt \"unterminated", 3),
    ])
    func crtStoreOddLines(_ line: String, _ failureLine: Int) throws {
        let root = try Self.tree([
            "haproxy.cfg": """
            global
            crt-store web
                \(line)
            frontend www
                bind :8443 ssl crt "@web/a.pem" crt "@nowhere/b"
            """
        ])
        let report = Linter(now: Self.now).lint(paths: [root + "/haproxy.cfg"], as: .haproxy)
        if failureLine > 0 {
            #expect(report.failures.first?.code == .syntax)
            #expect(report.failures.first?.location.line == failureLine)
        } else {
            #expect(report.failures.isEmpty, "\(report.failures)")
            // A reference to no stored certificate is named at the bind line.
            let unreadable = report.findings.filter { $0.ruleID == "certificate-unreadable" }
            #expect(unreadable.contains { $0.location.line == 5 && $0.message.contains("@nowhere/b") })
        }
    }
}
