import Crypto
import Foundation
import OCSPCore
import SwiftASN1
import TLSStapling
import X509
import _CryptoExtras

/// The one throw-away PKI of the tests and benchmarks: a CA (root, or intermediate under another
/// `TestPKI`), leaves with chosen serials, names, key types and AIA OCSP URLs, delegated OCSP
/// responders, and the `index.txt` that `openssl ocsp -index` answers from, all written as PEM files
/// into a temporary directory.
///
/// Built in process with swift-certificates (thousands of leaves in seconds); the independent oracle
/// is `openssl`, which reads these files (``opensslResponse(for:signer:sha256:ndays:out:)``,
/// ``opensslVerdict(response:leaf:sha256:)``, ``OpenSSLResponder``).
package final class TestPKI: @unchecked Sendable {
    // @unchecked: every stored property is a `let` of Sendable values, except `leaves` and
    // `nextSerial`, which are only touched under `lock`.

    /// The key algorithm of a CA or a leaf.
    package enum KeyType: String, CaseIterable, CustomStringConvertible, Sendable {
        case rsa, p256, p384

        package var description: String { rawValue }
        /// How benchmarks print it.
        package var displayName: String {
            switch self {
            case .rsa: "RSA-2048"
            case .p256: "P-256"
            case .p384: "P-384"
            }
        }

        /// A new private key of this type.
        package func newKey() throws -> Certificate.PrivateKey {
            switch self {
            case .rsa: Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits2048))
            case .p256: Certificate.PrivateKey(P256.Signing.PrivateKey())
            case .p384: Certificate.PrivateKey(P384.Signing.PrivateKey())
            }
        }

        /// The algorithm a key of this type signs certificates with.
        package var signatureAlgorithm: Certificate.SignatureAlgorithm {
            switch self {
            case .rsa: .sha256WithRSAEncryption
            case .p256: .ecdsaWithSHA256
            case .p384: .ecdsaWithSHA384
            }
        }
    }

    /// What a leaf is for.
    package enum Purpose: Sendable {
        /// A TLS server certificate: serverAuth, its common name as DNS SAN.
        case server
        /// A delegated OCSP responder (RFC 6960 §4.2.2.2): the OCSPSigning extended key usage.
        case ocspSigning
    }

    /// One leaf certificate and where its files are.
    package struct Leaf: Sendable {
        package var certificate: Certificate
        package var privateKey: Certificate.PrivateKey
        /// The leaf then its issuing chain (PEM), as servers and `staple fetch` read it.
        package var pemPath: String
        /// The leaf's private key (PEM).
        package var keyPath: String
        /// The serial in the form `openssl ocsp -index` uses: upper-case hex.
        package var serialHex: String
        package var status: Status

        /// The certificate's DER bytes.
        package var der: [UInt8] { TestPKI.der(certificate) }
        /// The certificate alone (PEM).
        package var pem: String { TestPKI.pem(certificate) }
        /// The private key (PEM).
        package var keyPEM: String { (try? privateKey.serializeAsPEM().pemString).map { $0 + "\n" } ?? "" }
        /// The files as the TLS handler loads them.
        package var tlsSource: TLSCertificateSource { TLSCertificateSource(chainPath: pemPath, keyPath: keyPath) }
    }

    /// What the index says about a leaf.
    package enum Status: Sendable, Hashable {
        case valid
        /// Revoked at this time, for keyCompromise.
        case revoked(Date)
        /// Not in the index: `openssl ocsp` answers unknown.
        case absent
    }

    package let directory: String
    package let keyType: KeyType
    package let caKey: Certificate.PrivateKey
    package let ca: Certificate
    /// The CA's issuers, nearest first (empty for a root).
    package let issuers: [Certificate]
    package let notAfter: Date
    private let lock = NSLock()
    private var leaves: [Leaf] = []
    private var nextSerial: UInt32 = 0x1000

    /// Creates the directory and a root CA (`ca.pem`, `ca.key`).
    ///
    /// - Parameters:
    ///   - name: names the directory and the CA ("Staple Test CA <name>").
    ///   - validFor: the CA's lifetime from `now`; leaves never outlive it.
    package convenience init(
        name: String = "pki", keyType: KeyType = .p256, validFor: TimeInterval = 30 * 86_400, now: Date = Date()
    ) throws {
        try self.init(
            name: name, keyType: keyType, validFor: validFor, now: now, issuer: nil,
            directory: try TemporaryDirectory.make(prefix: "staple-\(name)"))
    }

    private init(
        name: String, keyType: KeyType, validFor: TimeInterval, now: Date, issuer: TestPKI?, directory: String
    ) throws {
        self.directory = directory
        self.keyType = keyType
        let caKey = try keyType.newKey()
        self.caKey = caKey
        let notAfter = min(now.addingTimeInterval(validFor), issuer?.notAfter ?? .distantFuture)
        self.notAfter = notAfter
        let caName = try DistinguishedName { CommonName("Staple Test CA \(name)") }
        ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: [0x01]),
            publicKey: caKey.publicKey, notValidBefore: now.addingTimeInterval(-3600), notValidAfter: notAfter,
            issuer: issuer?.ca.subject ?? caName, subject: caName,
            signatureAlgorithm: (issuer?.keyType ?? keyType).signatureAlgorithm,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: issuer == nil ? nil : 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: caKey.publicKey)
            },
            issuerPrivateKey: issuer?.caKey ?? caKey
        )
        issuers = issuer.map { [$0.ca] + $0.issuers } ?? []
        try Self.write(Self.pem(ca), to: caPath)
        try Self.write(try caKey.serializeAsPEM().pemString + "\n", to: caKeyPath)
    }

    /// An intermediate CA issued by this one, in its own subdirectory `name` (its `ca.pem` and
    /// `ca.key`; ``chainPEM`` is the intermediate then this CA's chain).
    package func intermediate(name: String, keyType: KeyType? = nil, now: Date = Date()) throws -> TestPKI {
        let path = "\(directory)/\(name)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return try TestPKI(
            name: name, keyType: keyType ?? self.keyType, validFor: notAfter.timeIntervalSince(now), now: now,
            issuer: self, directory: path)
    }

    package var caPath: String { "\(directory)/ca.pem" }
    package var caKeyPath: String { "\(directory)/ca.key" }
    package var indexPath: String { "\(directory)/index.txt" }
    /// The CA then its issuers (PEM), what a leaf's chain file holds after the leaf.
    package var chainPEM: String { ([ca] + issuers).map(Self.pem).joined() }

    /// A certificate in PEM, with a final newline.
    package static func pem(_ certificate: Certificate) -> String {
        ((try? certificate.serializeAsPEM().pemString) ?? "") + "\n"
    }

    /// A certificate's DER bytes.
    package static func der(_ certificate: Certificate) -> [UInt8] {
        var serializer = DER.Serializer()
        try? serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    /// The path of `name` in the directory.
    package func path(_ name: String) -> String { "\(directory)/\(name)" }

    /// Issues a leaf; the index is rewritten.
    ///
    /// - Parameters:
    ///   - commonName: also the DNS SAN of a server certificate; `leaf-<serial>.test` by default.
    ///   - fileName: the files are `<fileName>.pem` (leaf then chain) and `<fileName>.key`; the serial
    ///     in hex by default.
    ///   - serialHex: the serial (hex); the next of a counter by default.
    ///   - keyType: the leaf's key; the CA's type by default.
    ///   - mustStaple: add the TLS Feature extension with status_request (RFC 7633 "Must-Staple").
    ///   - authorityKeyIdentifier: add the CA's key identifier (RFC 5280 §4.2.1.1), which strict path
    ///     validators (pyca/cryptography, so sslyze) require of every certificate.
    ///   - writePEM: write the two files (thousands of leaves for a benchmark need not).
    @discardableResult
    package func issue(
        commonName: String? = nil, fileName: String? = nil, serialHex: String? = nil, keyType: KeyType? = nil,
        purpose: Purpose = .server, ocspURLs: [String] = [], mustStaple: Bool = false,
        authorityKeyIdentifier: Bool = false, status: Status = .valid,
        validFor: TimeInterval = 10 * 86_400, writePEM: Bool = true, writeIndex: Bool = true, now: Date = Date()
    ) throws -> Leaf {
        let serialBytes = try serialHex.map(Self.bytes(hex:)) ?? counterSerial()
        let key = try (keyType ?? self.keyType).newKey()
        let hex = serialBytes.map { String(format: "%02X", $0) }.joined()
        let name = commonName ?? "leaf-\(hex).test"
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: serialBytes),
            publicKey: key.publicKey, notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: min(now.addingTimeInterval(validFor), notAfter),
            issuer: ca.subject, subject: try DistinguishedName { CommonName(name) },
            signatureAlgorithm: self.keyType.signatureAlgorithm,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                switch purpose {
                case .server:
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames([.dnsName(name)])
                case .ocspSigning:
                    try ExtendedKeyUsage([.ocspSigning])
                }
                if authorityKeyIdentifier, let identifier = try ca.extensions.subjectKeyIdentifier?.keyIdentifier {
                    AuthorityKeyIdentifier(keyIdentifier: identifier)
                }
                if mustStaple {
                    // TLSFeature ::= SEQUENCE OF INTEGER; status_request is 5 (RFC 7633 §4.2).
                    Certificate.Extension(
                        oid: OCSPObjectIdentifier.tlsFeature, critical: false, value: [0x30, 0x03, 0x02, 0x01, 0x05])
                }
                if !ocspURLs.isEmpty {
                    AuthorityInformationAccess(
                        ocspURLs.map { .init(method: .ocspServer, location: .uniformResourceIdentifier($0)) })
                }
            },
            issuerPrivateKey: caKey
        )
        let base = fileName ?? hex
        let leaf = Leaf(
            certificate: certificate, privateKey: key, pemPath: path("\(base).pem"), keyPath: path("\(base).key"),
            serialHex: hex, status: status)
        if writePEM {
            try Self.write(leaf.pem + chainPEM, to: leaf.pemPath)
            try Self.write(leaf.keyPEM, to: leaf.keyPath)
        }
        lock.withLock { leaves.append(leaf) }
        if writeIndex { try writeIndexFile() }
        return leaf
    }

    private func counterSerial() -> [UInt8] {
        let serial: UInt32 = lock.withLock {
            nextSerial += 1
            return nextSerial
        }
        return [
            0x10, UInt8(serial >> 24 & 0xff), UInt8(serial >> 16 & 0xff), UInt8(serial >> 8 & 0xff),
            UInt8(serial & 0xff),
        ]
    }

    private static func bytes(hex: String) throws -> [UInt8] {
        let digits = Array(hex.count % 2 == 0 ? hex : "0" + hex)
        return try stride(from: 0, to: digits.count, by: 2).map {
            guard let byte = UInt8(String(digits[$0...$0 + 1]), radix: 16) else {
                throw ToolError(description: "serial \(hex) is not hex")
            }
            return byte
        }
    }

    /// Writes `index.txt` in the `openssl ca` format that `openssl ocsp -index` reads.
    package func writeIndexFile() throws {
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
        try Self.write(text, to: indexPath)
        try Self.write("unique_subject = no\n", to: indexPath + ".attr")
    }

    static func indexTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyMMddHHmmss'Z'"
        return formatter.string(from: date)
    }

    /// A response signed by the CA with chosen times and status (by default a good one, valid for a day).
    package func signedResponse(
        for certificate: Certificate, status: CertStatus = .good, thisUpdate: Date = Date() - 60,
        nextUpdate: Date? = Date() + 86_400, hash: OCSPHashAlgorithm = .sha1
    ) throws -> [UInt8] {
        let single = SingleResponse(
            certID: try CertID(certificate: certificate, issuer: ca, hash: hash), certStatus: status,
            thisUpdate: try GeneralizedTime(thisUpdate), nextUpdate: try nextUpdate.map { try GeneralizedTime($0) })
        return try OCSPResponseSigner(certificate: ca, privateKey: caKey).sign([single], producedAt: thisUpdate)
    }

    // MARK: openssl as the oracle

    /// Has `openssl ocsp` answer a request for `leaf` offline from the index, signed by `signer` (a
    /// delegated responder) or by the CA; the response is written to `out` in the directory.
    ///
    /// - Parameter ndays: the validity period (nextUpdate); nil gives no nextUpdate.
    package func opensslResponse(
        for leaf: Leaf, signer: Leaf? = nil, sha256: Bool = false, ndays: Int? = 1, out: String
    ) throws -> [UInt8] {
        let request = "\(out).req"
        try SystemTools.run(
            "openssl",
            ["ocsp", "-issuer", caPath] + (sha256 ? ["-sha256"] : []) + [
                "-cert", leaf.pemPath, "-no_nonce", "-reqout", request,
            ],
            in: directory)
        try SystemTools.run(
            "openssl",
            [
                "ocsp", "-index", indexPath, "-CA", caPath, "-rsigner", signer?.pemPath ?? caPath, "-rkey",
                signer?.keyPath ?? caKeyPath, "-reqin", request, "-respout", out,
            ] + (ndays.map { ["-ndays", "\($0)"] } ?? []), in: directory)
        return try bytes(out)
    }

    /// OpenSSL's own verdict on the response file `response` for `leaf`: "rejected", or after
    /// verification and the time check, "good", "revoked", "unknown" (or "no-status").
    /// `sha256` makes OpenSSL look the leaf up by a SHA-256 CertID (it matches by its own CertID).
    package func opensslVerdict(response: String, leaf: Leaf, sha256: Bool = false) throws -> String {
        let output = try SystemTools.execute(
            "openssl",
            ["ocsp", "-respin", response, "-issuer", caPath] + (sha256 ? ["-sha256"] : [])
                + ["-cert", leaf.pemPath, "-CAfile", caPath, "-no_nonce"],
            in: directory)
        guard output.combined.contains("Response verify OK") else { return "rejected" }
        if output.combined.contains("Status times invalid") { return "rejected" }
        for status in ["good", "revoked", "unknown"] where output.stdout.contains("\(leaf.pemPath): \(status)") {
            return status
        }
        return "no-status"
    }

    /// The bytes of `name` in the directory.
    package func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    /// Writes `bytes` to `name` in the directory.
    package func write(_ bytes: [UInt8], to name: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
    }

    /// Removes the directory.
    package func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
