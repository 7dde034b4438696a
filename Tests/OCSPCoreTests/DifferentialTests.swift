import Foundation
import OCSPCore
import StapleTestSupport
import SwiftASN1
import Testing
import X509

/// Our verifier and OpenSSL must agree, on responses made by either side.
@Suite("Differential against the openssl CLI")
struct DifferentialTests {
    static func ourVerdict(_ pki: TestPKI, response: [UInt8], leaf: TestPKI.Leaf, now: Date = Date()) -> String {
        OCSPVerifier().verify(response: response, certificate: leaf.certificate, issuer: pki.ca, now: now).verdict.name
    }

    /// `openssl ocsp -index` answers for good, revoked and unknown leaves, signed by the CA or a delegated
    /// responder, with SHA-1 and SHA-256 CertIDs; both verifiers reach the same verdict.
    @Test("responses made by openssl ocsp", arguments: [TestPKI.KeyType.rsa, .p256])
    func opensslMadeResponses(keyType: TestPKI.KeyType) throws {
        let pki = try TestPKI(name: "differential-\(keyType)", keyType: keyType)
        defer { pki.remove() }
        let responder = try pki.issue(fileName: "responder", serialHex: "0FFF", purpose: .ocspSigning, status: .absent)
        let leaves = [
            "good": try pki.issue(fileName: "good", serialHex: "1001"),
            "revoked": try pki.issue(fileName: "revoked", serialHex: "1002", status: .revoked(Date() - 86_400)),
            "unknown": try pki.issue(fileName: "unknown", serialHex: "1003", status: .absent),
        ]
        for (signerName, signer) in [("ca", nil), ("responder", responder)] {
            for sha256 in [false, true] {
                for (name, leaf) in leaves {
                    let file = "\(name)-\(signerName)-\(sha256).der"
                    let response = try pki.opensslResponse(for: leaf, signer: signer, sha256: sha256, out: file)
                    let theirs = try pki.opensslVerdict(response: file, leaf: leaf, sha256: sha256)
                    let ours = Self.ourVerdict(pki, response: response, leaf: leaf)
                    #expect(theirs == name, "openssl on \(file)")
                    #expect(ours == theirs, "\(keyType) \(file): ours \(ours), openssl \(theirs)")
                }
            }
        }
        // A response about one leaf says nothing about another: no status, not a wrong answer.
        let goodResponse = try pki.bytes("good-ca-false.der")
        #expect(Self.ourVerdict(pki, response: goodResponse, leaf: leaves["revoked"]!) == "no-status")
        // Without -ndays, openssl ocsp omits nextUpdate: good, yet not stapleable.
        let open = try pki.opensslResponse(for: leaves["good"]!, ndays: nil, out: "open.der")
        let result = OCSPVerifier().verify(
            response: open, certificate: leaves["good"]!.certificate, issuer: pki.ca, now: Date())
        let stapleable = result.isStapleable
        #expect(result.verdict == .good && !stapleable)
    }

    struct Window: Sendable, CustomTestStringConvertible {
        var name: String
        var thisUpdate: TimeInterval
        var nextUpdate: TimeInterval?
        var expected: String
        var testDescription: String { name }
    }

    static let windows = [
        Window(name: "current", thisUpdate: -3_600, nextUpdate: 86_400, expected: "good"),
        Window(name: "expired", thisUpdate: -3 * 86_400, nextUpdate: -86_400, expected: "rejected"),
        Window(name: "not yet valid", thisUpdate: 86_400, nextUpdate: 2 * 86_400, expected: "rejected"),
        Window(name: "expired within the skew", thisUpdate: -86_400, nextUpdate: -120, expected: "good"),
        Window(name: "expired just past the skew", thisUpdate: -86_400, nextUpdate: -900, expected: "rejected"),
        Window(name: "future within the skew", thisUpdate: 120, nextUpdate: 86_400, expected: "good"),
        Window(name: "no nextUpdate", thisUpdate: -60, nextUpdate: nil, expected: "good"),
    ]

    /// Our builder makes responses with past, future and current windows; OpenSSL (which judges times
    /// against the wall clock with a 5-minute tolerance, as our default does) and we must agree.
    @Test("time windows", arguments: windows)
    func timeWindows(window: Window) throws {
        let pki = try TestPKI(name: "windows", keyType: .p256)
        defer { pki.remove() }
        let leaf = try pki.issue(fileName: "leaf", serialHex: "2001")
        let now = Date()
        let single = SingleResponse(
            certID: try CertID(certificate: leaf.certificate, issuer: pki.ca),
            certStatus: .good,
            thisUpdate: try GeneralizedTime(now.addingTimeInterval(window.thisUpdate)),
            nextUpdate: try window.nextUpdate.map { try GeneralizedTime(now.addingTimeInterval($0)) }
        )
        let signer = OCSPResponseSigner(certificate: pki.ca, privateKey: pki.caKey)
        let response = try signer.sign([single], producedAt: now)
        try pki.write(response, to: "window.der")
        let theirs = try pki.opensslVerdict(response: "window.der", leaf: leaf)
        let ours = Self.ourVerdict(pki, response: response, leaf: leaf, now: now)
        #expect(ours == theirs, "\(window.name): ours \(ours), openssl \(theirs)")
        #expect(ours == window.expected)
    }

    /// Responses signed by our builder, as the CA or as a delegated responder, with RSA, P-256 and
    /// P-384 keys, are accepted by `openssl ocsp -respin` with the status we signed.
    @Test("our signed responses pass openssl", arguments: TestPKI.KeyType.allCases)
    func ourResponsesPassOpenSSL(keyType: TestPKI.KeyType) throws {
        let pki = try TestPKI(name: "signed-\(keyType)", keyType: keyType)
        defer { pki.remove() }
        let responder = try pki.issue(fileName: "responder", serialHex: "0FFF", purpose: .ocspSigning, status: .absent)
        let leafFiles = try pki.issue(fileName: "leaf", serialHex: "3001")
        let ca = pki.ca
        let leaf = leafFiles.certificate
        let now = Date()
        let signers = [
            "issuer": OCSPResponseSigner(certificate: ca, privateKey: pki.caKey, responderIDByKey: false),
            "delegated": OCSPResponseSigner.delegated(
                certificate: responder.certificate, privateKey: responder.privateKey),
        ]
        let statuses: [(String, CertStatus)] = [
            ("good", .good),
            ("revoked", .revoked(time: try GeneralizedTime(now.addingTimeInterval(-86_400)), reason: .keyCompromise)),
            ("unknown", .unknown),
        ]
        for (signerName, signer) in signers {
            for hash in [OCSPHashAlgorithm.sha1, .sha256] {
                for (statusName, status) in statuses {
                    let single = SingleResponse(
                        certID: try CertID(certificate: leaf, issuer: ca, hash: hash), certStatus: status,
                        thisUpdate: try GeneralizedTime(now.addingTimeInterval(-60)),
                        nextUpdate: try GeneralizedTime(now.addingTimeInterval(86_400))
                    )
                    let response = try signer.sign([single], producedAt: now)
                    let file = "\(signerName)-\(hash)-\(statusName).der"
                    try pki.write(response, to: file)
                    let theirs = try pki.opensslVerdict(response: file, leaf: leafFiles, sha256: hash == .sha256)
                    #expect(theirs == statusName, "\(keyType) \(file): openssl says \(theirs)")
                    #expect(Self.ourVerdict(pki, response: response, leaf: leafFiles) == statusName)
                }
            }
        }
    }
}
