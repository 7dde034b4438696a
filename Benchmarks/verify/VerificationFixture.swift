import Foundation
import OCSPCore
import StapleTestSupport
import X509

/// A CA, a leaf and a good response signed by the CA: the shared test PKI, in memory.
struct VerificationFixture {
    let pki: TestPKI
    let leaf: Certificate
    let response: [UInt8]
    /// The CA with its hashes computed once, as the engine keeps it for all its certificates.
    let issuer: OCSPIssuer
    let now = Date()

    init(keyType: TestPKI.KeyType) throws {
        pki = try TestPKI(name: "verify-bench-\(keyType)", keyType: keyType, now: now)
        leaf = try pki.issue(commonName: "bench.example", writePEM: false, writeIndex: false, now: now).certificate
        response = try pki.signedResponse(for: leaf, thisUpdate: now - 60, nextUpdate: now + 86_400)
        issuer = OCSPIssuer(pki.ca)
    }

    var ca: Certificate { pki.ca }

    /// The engine's case: the issuer prepared once (``OCSPIssuer``).
    func verifyWithStaple() -> Bool {
        OCSPVerifier().verify(response: response, certificate: leaf, issuer: issuer, now: now).verdict == .good
    }

    /// A one-off verification from the issuer certificate (`staple inspect`, `staple fetch`).
    func verifyWithStapleFromCertificate() -> Bool {
        OCSPVerifier().verify(response: response, certificate: leaf, issuer: ca, now: now).verdict == .good
    }

    func remove() { pki.remove() }
}
