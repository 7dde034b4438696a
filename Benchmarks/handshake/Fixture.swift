import Foundation
import OCSPCore
import StapleTestSupport
import Stapling
import X509

/// A P-256 CA and a leaf of the chosen key type (ECDSA P-256 or RSA-2048), a good staple signed by the
/// CA, and the files both servers read.
struct BenchFixture {
    let pki: TestPKI
    let keyType: TestPKI.KeyType
    let leaf: Certificate
    let chainPath: String
    let keyPath: String
    let staplePath: String
    let stateDirectory: String
    var directory: String { pki.directory }

    init(keyType: TestPKI.KeyType = .p256) throws {
        let now = Date()
        self.keyType = keyType
        pki = try TestPKI(name: "handshake-bench-\(keyType)")
        // A responder that never answers: both servers staple the file they were given.
        let issued = try pki.issue(commonName: "bench.test", keyType: keyType, ocspURLs: ["http://127.0.0.1:9/"])
        leaf = issued.certificate
        chainPath = issued.pemPath
        keyPath = issued.keyPath
        staplePath = "\(pki.directory)/staple.der"
        stateDirectory = "\(pki.directory)/state"
        let staple = try pki.signedResponse(for: leaf, thisUpdate: now - 60, nextUpdate: now + 7 * 86_400)
        try Data(staple).write(to: URL(fileURLWithPath: staplePath))
        // `staple serve` finds the same staple in its state directory, as after a restart.
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let store = try StapleStore(directory: stateDirectory, logger: .init(label: "bench"))
        try Data(staple).write(to: URL(fileURLWithPath: store.path(for: CertificateKey(certificate: leaf))))
    }

    func remove() { pki.remove() }
}
