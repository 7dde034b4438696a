import Crypto
import Foundation
import OCSPCore
import SwiftASN1
import X509

/// A throw-away PKI for tests and benchmarks: a P-256 CA and leaves with chosen serials and AIA
/// OCSP URLs, written as PEM files into a temporary directory that `openssl ocsp` can use.
///
/// Built in process with swift-certificates (thousands of leaves in seconds); the independent
/// oracle is `openssl ocsp`, which reads these files and answers.
public final class TestPKI: @unchecked Sendable {
    // @unchecked: every stored property is a `let` of Sendable values, except `leaves` and
    // `nextSerial`, which are only touched under `lock`.
    public let directory: String
    public let caKey: P256.Signing.PrivateKey
    public let ca: Certificate
    public let notAfter: Date
    private let lock = NSLock()
    private var leaves: [Leaf] = []
    private var nextSerial: UInt32 = 0x1000

    /// One leaf certificate and where its files are.
    public struct Leaf: Sendable {
        public var certificate: Certificate
        public var pemPath: String
        /// The leaf's private key (PEM, PKCS#8), written beside `pemPath` as `<serial>.key`.
        public var keyPath: String
        /// The serial in the form `openssl ocsp -index` uses: upper-case hex.
        public var serialHex: String
        public var status: Status
    }

    /// What the index says about a leaf.
    public enum Status: Sendable, Hashable {
        case valid
        case revoked(Date)
        /// Not in the index: `openssl ocsp` answers unknown.
        case absent
    }

    /// Creates the directory and the CA (`ca.pem`, `ca.key`).
    public init(name: String = "pki", now: Date = Date()) throws {
        directory = try TemporaryDirectory.make(prefix: "staple-\(name)")
        let caKey = P256.Signing.PrivateKey()
        self.caKey = caKey
        let notAfter = now.addingTimeInterval(30 * 86_400)
        self.notAfter = notAfter
        let caName = try DistinguishedName { CommonName("Staple Test CA \(name)") }
        ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: [0x01]),
            publicKey: .init(caKey.publicKey), notValidBefore: now.addingTimeInterval(-3600), notValidAfter: notAfter,
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(caKey.publicKey))
            },
            issuerPrivateKey: .init(caKey)
        )
        try write(CertificateLoading.pem(ca), to: "\(directory)/ca.pem")
        try write(caKey.pemRepresentation + "\n", to: "\(directory)/ca.key")
    }

    public var caPath: String { "\(directory)/ca.pem" }
    public var caKeyPath: String { "\(directory)/ca.key" }
    public var indexPath: String { "\(directory)/index.txt" }

    /// The issuer's private key as swift-certificates wants it (for `OCSPResponseSigner`).
    public var caPrivateKey: Certificate.PrivateKey { .init(caKey) }

    /// Issues a leaf with the given AIA OCSP URLs and index status; the index is rewritten.
    ///
    /// - Parameter writePEM: also write `<serial>.pem` (leaf then CA), as `staple fetch` reads.
    @discardableResult
    public func issue(
        commonName: String? = nil, ocspURLs: [String] = [], status: Status = .valid,
        validFor: TimeInterval = 10 * 86_400,
        writePEM: Bool = true, writeIndex: Bool = true, now: Date = Date()
    ) throws -> Leaf {
        let serial: UInt32 = lock.withLock {
            nextSerial += 1
            return nextSerial
        }
        let serialBytes: [UInt8] = [
            0x10, UInt8(serial >> 24 & 0xff), UInt8(serial >> 16 & 0xff), UInt8(serial >> 8 & 0xff),
            UInt8(serial & 0xff),
        ]
        let key = P256.Signing.PrivateKey()
        let name = commonName ?? "leaf-\(serial).test"
        let leafCertificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: serialBytes),
            publicKey: .init(key.publicKey), notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: min(now.addingTimeInterval(validFor), notAfter),
            issuer: ca.subject, subject: try DistinguishedName { CommonName(name) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName(name)])
                if !ocspURLs.isEmpty {
                    AuthorityInformationAccess(
                        ocspURLs.map { .init(method: .ocspServer, location: .uniformResourceIdentifier($0)) })
                }
            },
            issuerPrivateKey: .init(caKey)
        )
        let hex = serialBytes.map { String(format: "%02X", $0) }.joined()
        let path = "\(directory)/\(hex).pem"
        let keyPath = "\(directory)/\(hex).key"
        if writePEM {
            try write(CertificateLoading.pem(leafCertificate) + CertificateLoading.pem(ca), to: path)
            try write(key.pemRepresentation + "\n", to: keyPath)
        }
        let leaf = Leaf(certificate: leafCertificate, pemPath: path, keyPath: keyPath, serialHex: hex, status: status)
        lock.withLock { leaves.append(leaf) }
        if writeIndex { try writeIndexFile() }
        return leaf
    }

    /// Writes `index.txt` in the `openssl ca` format that `openssl ocsp -index` reads.
    public func writeIndexFile() throws {
        let snapshot = lock.withLock { leaves }
        var text = ""
        for leaf in snapshot {
            let expiry = Self.indexTime(leaf.certificate.notValidAfter)
            let subject = "/CN=\(leaf.serialHex)"
            switch leaf.status {
            case .valid: text += "V\t\(expiry)\t\t\(leaf.serialHex)\tunknown\t\(subject)\n"
            case .revoked(let time):
                text += "R\t\(expiry)\t\(Self.indexTime(time)),keyCompromise\t\(leaf.serialHex)\tunknown\t\(subject)\n"
            case .absent: continue
            }
        }
        try write(text, to: indexPath)
        try write("unique_subject = no\n", to: indexPath + ".attr")
    }

    static func indexTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyMMddHHmmss'Z'"
        return formatter.string(from: date)
    }

    /// A response signed by the CA with chosen times and status, for fault tests.
    public func signedResponse(
        for certificate: Certificate, status: CertStatus = .good, thisUpdate: Date, nextUpdate: Date?,
        hash: OCSPHashAlgorithm = .sha1
    ) throws -> [UInt8] {
        let single = SingleResponse(
            certID: try CertID(certificate: certificate, issuer: ca, hash: hash), certStatus: status,
            thisUpdate: try GeneralizedTime(thisUpdate), nextUpdate: try nextUpdate.map { try GeneralizedTime($0) })
        return try OCSPResponseSigner(certificate: ca, privateKey: caPrivateKey).sign([single], producedAt: thisUpdate)
    }

    /// Removes the directory.
    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}

/// Temporary directories under the system's temporary directory.
public enum TemporaryDirectory {
    public static func make(prefix: String) throws -> String {
        let path = NSTemporaryDirectory() + "/\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return (path as NSString).standardizingPath
    }
}
