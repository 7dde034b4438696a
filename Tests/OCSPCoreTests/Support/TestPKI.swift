import Foundation
import OCSPCore
import StapleFiles
import X509

/// A throwaway PKI made with the `openssl` CLI in a temporary directory: a root CA, a delegated
/// OCSP responder, and leaf certificates, plus an OpenSSL `index.txt` for `openssl ocsp`.
struct TestPKI {
    enum KeyType: String, CaseIterable, CustomStringConvertible, Sendable {
        case rsa, p256, p384
        var description: String { rawValue }

        var newKeyArguments: [String] {
            switch self {
            case .rsa: ["-newkey", "rsa:2048"]
            case .p256: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
            case .p384: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"]
            }
        }
    }

    let directory: URL
    let keyType: KeyType

    /// Makes the CA (`ca.pem`, `ca.key`) and the delegated responder (`responder.pem`, `responder.key`).
    init(keyType: KeyType) throws {
        self.directory = try Shell.temporaryDirectory()
        self.keyType = keyType
        try Shell.openssl(
            ["req", "-x509"] + keyType.newKeyArguments + [
                "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "30", "-subj",
                "/O=Staple Test/CN=Test CA \(keyType)",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ], in: directory)
        try issue(
            name: "responder", serial: "0FFF",
            extensions: ["extendedKeyUsage=OCSPSigning", "keyUsage=critical,digitalSignature"])
        try Data().write(to: directory.appendingPathComponent("index.txt"))
    }

    /// Issues `name.pem`/`name.key` from the CA with the given serial (hex) and extra extensions.
    func issue(name: String, serial: String, extensions: [String] = [], days: Int = 10) throws {
        try Shell.openssl(
            ["req"] + keyType.newKeyArguments + [
                "-nodes", "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)",
            ],
            in: directory)
        let extfile = directory.appendingPathComponent("\(name).ext")
        let lines = ["basicConstraints=CA:FALSE", "authorityInfoAccess=OCSP;URI:http://127.0.0.1:9/"] + extensions
        try lines.joined(separator: "\n").write(to: extfile, atomically: true, encoding: .utf8)
        try Shell.openssl(
            [
                "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "0x\(serial)",
                "-days", "\(days)", "-out", "\(name).pem", "-extfile", extfile.path,
            ], in: directory)
    }

    /// Adds a leaf to `index.txt`: valid (`V`) or revoked (`R`) with a reason. Leaves never added are `unknown`.
    func record(serial: String, name: String, revoked: String? = nil) throws {
        let url = directory.appendingPathComponent("index.txt")
        var index = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        let status = revoked == nil ? "V" : "R"
        index +=
            "\(status)\t301231235959Z\t\(revoked.map { "240101000000Z,\($0)" } ?? "")\t\(serial)\tunknown\t/CN=\(name)\n"
        try index.write(to: url, atomically: true, encoding: .utf8)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func certificate(_ name: String) throws -> Certificate {
        try InputFile.certificates(atPath: path("\(name).pem"))[0]
    }

    func privateKey(_ name: String) throws -> Certificate.PrivateKey {
        try Certificate.PrivateKey(pemEncoded: String(contentsOfFile: path("\(name).key"), encoding: .utf8))
    }

    func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: directory.appendingPathComponent(name))) }

    func write(_ bytes: [UInt8], to name: String) throws {
        try Data(bytes).write(to: directory.appendingPathComponent(name))
    }

    /// Has `openssl ocsp` answer a request for `leaf` offline, signed by `signer` (`ca` or `responder`).
    func opensslResponse(leaf: String, signer: String, sha256: Bool, ndays: Int? = 1, out: String) throws -> [UInt8] {
        let request = "\(out).req"
        try Shell.openssl(
            ["ocsp", "-issuer", "ca.pem"] + (sha256 ? ["-sha256"] : []) + [
                "-cert", "\(leaf).pem", "-no_nonce", "-reqout", request,
            ],
            in: directory)
        try Shell.openssl(
            [
                "ocsp", "-index", "index.txt", "-CA", "ca.pem", "-rsigner", "\(signer).pem", "-rkey", "\(signer).key",
                "-reqin", request, "-respout", out,
            ] + (ndays.map { ["-ndays", "\($0)"] } ?? []), in: directory)
        return try bytes(out)
    }

    /// OpenSSL's own verdict on a response file for `leaf`: verification, then status and times.
    /// `sha256` makes OpenSSL look the leaf up by a SHA-256 CertID (it matches by its own CertID).
    func opensslVerdict(response: String, leaf: String, sha256: Bool = false) throws -> String {
        let output = try Shell.run(
            "openssl",
            ["ocsp", "-respin", response, "-issuer", "ca.pem"] + (sha256 ? ["-sha256"] : [])
                + ["-cert", "\(leaf).pem", "-CAfile", "ca.pem", "-no_nonce"],
            in: directory)
        guard output.combined.contains("Response verify OK") else { return "rejected" }
        if output.combined.contains("Status times invalid") { return "rejected" }
        for status in ["good", "revoked", "unknown"] where output.stdout.contains("\(leaf).pem: \(status)") {
            return status
        }
        return "no-status"
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
