import Crypto
import Foundation
import OCSPCore
import Stapling
import SwiftASN1
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// A P-256 CA and leaf, a good staple signed by the CA, and the files both servers read.
struct BenchFixture {
    let directory: String
    let leaf: Certificate
    let chainPath: String
    let keyPath: String
    let staplePath: String
    let stateDirectory: String

    init() throws {
        directory = NSTemporaryDirectory() + "staple-handshake-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let now = Date()
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("Handshake Bench CA") }
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey), notValidBefore: now - 3_600,
            notValidAfter: now + 30 * 86_400, issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey)
        )
        let key = P256.Signing.PrivateKey()
        leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: now - 3_600,
            notValidAfter: now + 10 * 86_400, issuer: caName,
            subject: try DistinguishedName { CommonName("bench.test") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                BasicConstraints.notCertificateAuthority
                SubjectAlternativeNames([.dnsName("bench.test")])
                // A responder that never answers: both servers staple the file they were given.
                AuthorityInformationAccess([
                    .init(method: .ocspServer, location: .uniformResourceIdentifier("http://127.0.0.1:9/"))
                ])
            },
            issuerPrivateKey: .init(caKey)
        )
        chainPath = "\(directory)/leaf.pem"
        keyPath = "\(directory)/leaf.key"
        staplePath = "\(directory)/staple.der"
        stateDirectory = "\(directory)/state"
        try (CertificateLoading.pem(leaf) + CertificateLoading.pem(ca)).write(
            toFile: chainPath, atomically: true, encoding: .utf8)
        try (key.pemRepresentation + "\n").write(toFile: keyPath, atomically: true, encoding: .utf8)
        let single = SingleResponse(
            certID: try CertID(certificate: leaf, issuer: ca), certStatus: .good,
            thisUpdate: try GeneralizedTime(now - 60), nextUpdate: try GeneralizedTime(now + 7 * 86_400)
        )
        let staple = try OCSPResponseSigner(certificate: ca, privateKey: .init(caKey)).sign([single], producedAt: now)
        try Data(staple).write(to: URL(fileURLWithPath: staplePath))
        // `staple serve` finds the same staple in its state directory, as after a restart.
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let store = try StapleStore(directory: stateDirectory, logger: .init(label: "bench"))
        try Data(staple).write(to: URL(fileURLWithPath: store.path(for: CertificateKey(certificate: leaf))))
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

/// Waits until something listens on `port` (read from `ss`, without connecting).
func waitUntilListening(_ port: Int, what: String) throws {
    for _ in 0..<600 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ss")
        process.arguments = ["-ltnH", "sport = :\(port)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if output.contains(":\(port)") { return }
        usleep(50_000)
    }
    throw BenchError("\(what) did not listen on \(port)")
}

func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
