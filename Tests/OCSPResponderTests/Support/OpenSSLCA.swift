import Foundation
import OCSPCore
import OCSPResponder
import X509
import StapleTestSupport

/// A CA run with the `openssl ca` command, as its users run one: `openssl ca` writes index.txt,
/// issues the leaves and revokes them, so the index the responder reads is the real format.
final class OpenSSLCA: @unchecked Sendable {
    // @unchecked: all properties are constants; the files are only written by the test that owns them.
    enum KeyType: Sendable {
        case ecdsa
        case rsa

        var newKey: [String] {
            switch self {
            case .ecdsa: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
            case .rsa: ["-newkey", "rsa:2048"]
            }
        }
    }

    let directory: String
    let name: String

    var caPath: String { "\(directory)/ca.pem" }
    var caKeyPath: String { "\(directory)/ca.key" }
    var indexPath: String { "\(directory)/index.txt" }
    var configPath: String { "\(directory)/openssl.cnf" }

    init(name: String = "ca", keyType: KeyType = .ecdsa) throws {
        let base = NSTemporaryDirectory() + "/staple-respond-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: base + "/newcerts", withIntermediateDirectories: true)
        directory = (base as NSString).standardizingPath
        self.name = name
        try "".write(toFile: "\(directory)/index.txt", atomically: true, encoding: .utf8)
        try "unique_subject = no\n".write(toFile: "\(directory)/index.txt.attr", atomically: true, encoding: .utf8)
        try "1000\n".write(toFile: "\(directory)/serial", atomically: true, encoding: .utf8)
        try Self.config(directory).write(toFile: configPath, atomically: true, encoding: .utf8)
        try SystemTools.run(
            "openssl",
            ["req", "-x509"] + keyType.newKey + [
                "-nodes", "-keyout", caKeyPath, "-out", caPath, "-subj", "/CN=Staple Respond Test \(name)", "-days",
                "30",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
            ])
    }

    /// Issues a leaf with `openssl ca` (it appends a V line to index.txt); returns its PEM path.
    @discardableResult
    func issue(_ commonName: String, extensions: String = "leaf_ext", keyType: KeyType = .ecdsa) throws -> String {
        let key = "\(directory)/\(commonName).key"
        let csr = "\(directory)/\(commonName).csr"
        let pem = "\(directory)/\(commonName).pem"
        try SystemTools.run(
            "openssl",
            ["req", "-new"] + keyType.newKey + ["-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=\(commonName)"])
        try SystemTools.run(
            "openssl",
            ["ca", "-batch", "-config", configPath, "-in", csr, "-out", pem, "-extensions", extensions, "-notext"])
        return pem
    }

    /// Issues a delegated OCSP responder certificate (id-kp-OCSPSigning, id-pkix-ocsp-nocheck).
    func issueResponder(_ commonName: String = "ocsp-responder") throws -> (certificate: String, key: String) {
        let pem = try issue(commonName, extensions: "ocsp_ext")
        return (pem, "\(directory)/\(commonName).key")
    }

    /// Signs a leaf with the CA key without recording it in the index: the responder must say `unknown`.
    func issueUnrecorded(_ commonName: String) throws -> String {
        let key = "\(directory)/\(commonName).key"
        let csr = "\(directory)/\(commonName).csr"
        let pem = "\(directory)/\(commonName).pem"
        try SystemTools.run(
            "openssl",
            [
                "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out",
                csr, "-subj", "/CN=\(commonName)",
            ])
        try SystemTools.run(
            "openssl",
            [
                "x509", "-req", "-in", csr, "-CA", caPath, "-CAkey", caKeyPath, "-set_serial", "0x7E57AB1E", "-days",
                "5", "-out", pem,
            ])
        return pem
    }

    /// `openssl ca -revoke`: rewrites index.txt with an R line.
    func revoke(_ pem: String, reason: String = "keyCompromise") throws {
        try SystemTools.run("openssl", ["ca", "-config", configPath, "-revoke", pem, "-crl_reason", reason])
    }

    func certificate(_ pem: String) throws -> Certificate {
        try Certificate(pemEncoded: String(contentsOfFile: pem, encoding: .utf8))
    }

    /// The serial of the certificate in `pem`, upper-case hex as index.txt has it.
    func serialHex(_ pem: String) throws -> String {
        Array(try certificate(pem).serialNumber.bytes).hexString
    }

    var files: AuthorityFiles {
        AuthorityFiles(name: name, caPath: caPath, indexPath: indexPath, keyPath: caKeyPath)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    private static func config(_ directory: String) -> String {
        """
        [ ca ]
        default_ca = CA_default
        [ CA_default ]
        dir = \(directory)
        database = $dir/index.txt
        new_certs_dir = $dir/newcerts
        certificate = $dir/ca.pem
        private_key = $dir/ca.key
        serial = $dir/serial
        default_md = sha256
        default_days = 10
        policy = policy_any
        unique_subject = no
        [ policy_any ]
        commonName = supplied
        [ leaf_ext ]
        basicConstraints = CA:FALSE
        keyUsage = digitalSignature
        [ ocsp_ext ]
        basicConstraints = CA:FALSE
        keyUsage = critical,digitalSignature
        extendedKeyUsage = OCSPSigning
        noCheck = ignored

        """
    }
}
