// `swift run -c release MutationBenchmark [--mutations N] [--seed S]`: at least a million mutated
// OCSP responses through the verifier, across RSA and ECDSA, issuer-signed and delegated (made now
// with the test PKI) and the third-party responses of ../shared/corpora. Reports how many were
// trusted: every trusted one must leave the signed parts unchanged (a byte outside the signature's
// reach, classified by where it lies); any other is a forgery and the exit status is 1.
import Foundation
import OCSPCore
import OCSPReporting
import SwiftASN1
import StapleTestSupport
import X509

struct Subject {
    var name: String
    var response: [UInt8]
    var certificate: Certificate
    var issuer: Certificate
    var now: Date
}

func argument(_ name: String, default value: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let number = Int(arguments[index + 1])
    else { return value }
    return number
}

let total = argument("--mutations", default: 1_000_000)
let seed = UInt64(argument("--seed", default: 0x4D55_5441))

func generatedSubjects() throws -> [Subject] {
    var subjects: [Subject] = []
    let now = Date()
    for keyType in [TestPKI.KeyType.rsa, .p256] {
        let pki = try TestPKI(name: "mutation-\(keyType)", keyType: keyType)
        defer { pki.remove() }
        let leaf = try pki.issue()
        let single = SingleResponse(
            certID: try CertID(certificate: leaf.certificate, issuer: pki.ca), certStatus: .good,
            thisUpdate: try GeneralizedTime(now - 60), nextUpdate: try GeneralizedTime(now + 86_400))
        let issuerSigned = try OCSPResponseSigner(certificate: pki.ca, privateKey: pki.caKey).sign(
            [single], producedAt: now - 60)
        let responder = try pki.issue(keyType: keyType, purpose: .ocspSigning)
        let delegated = try OCSPResponseSigner.delegated(
            certificate: responder.certificate, privateKey: responder.privateKey
        ).sign([single], producedAt: now - 60)
        subjects.append(Subject(name: "\(keyType.displayName) issuer-signed", response: issuerSigned, certificate: leaf.certificate, issuer: pki.ca, now: now))
        subjects.append(Subject(name: "\(keyType.displayName) delegated", response: delegated, certificate: leaf.certificate, issuer: pki.ca, now: now))
    }
    return subjects
}

func corpusSubjects() -> [Subject] {
    let corpora = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/corpora")
    func load(_ folder: String, _ name: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: corpora.appendingPathComponent("\(folder)/\(name)").path)
        else { return nil }
        return (try? ResponseEncoding.derBytes(from: [UInt8](data))) ?? [UInt8](data)
    }
    func certificate(_ folder: String, _ name: String) -> Certificate? {
        load(folder, name).flatMap { try? CertificateLoading.certificates(in: $0, source: name).first }
    }
    let list: [(String, String, String, String, TimeInterval)] = [
        ("aws-lc", "ocsp_response.der", "rsa_cert.pem", "ca_cert.pem", 1_735_689_600),
        ("aws-lc", "ocsp_response_ca_signed.der", "rsa_cert.pem", "ca_cert.pem", 1_735_689_600),
        ("s2n-tls", "ocsp_response_revoked.der", "server_cert.pem", "ca_cert.pem", 1_735_689_600),
        ("openssl-ocsp", "ND1.ors", "ND1_Cert_EE.pem", "ND1_Issuer_ICA.pem", 1_349_948_473),
        ("openssl-ocsp", "D1.ors", "D1_Cert_EE.pem", "D1_Issuer_ICA.pem", 1_350_979_200),
    ]
    return list.compactMap { folder, response, leaf, issuer, time in
        guard let bytes = load(folder, response), let leafCertificate = certificate(folder, leaf),
            let issuerCertificate = certificate(folder, issuer)
        else {
            FileHandle.standardError.write(Data("skipping \(folder)/\(response): not found\n".utf8))
            return nil
        }
        return Subject(name: "\(folder)/\(response)", response: bytes, certificate: leafCertificate, issuer: issuerCertificate, now: Date(timeIntervalSince1970: time))
    }
}

let subjects = try generatedSubjects() + corpusSubjects()
let verifier = OCSPVerifier()
let perSubject = (total + subjects.count - 1) / subjects.count
var rng = SplitMix64(state: seed)
var grandTotal = 0
var grandTrusted = 0
var grandForged = 0
var regionsTotal: [String: Int] = [:]
var forgeries: [String] = []
let started = Date()
print("| subject | size | mutations | trusted | outside the signature (where) | forged |")
print("|---|---:|---:|---:|---|---:|")
for subject in subjects {
    let baseline = verifier.verify(response: subject.response, certificate: subject.certificate, issuer: subject.issuer, now: subject.now)
    guard ResponseMutations.isTrusted(baseline.verdict) else {
        print("| \(subject.name) | baseline not trusted (\(baseline.verdict.name)): skipped |")
        continue
    }
    let protected = ResponseMutations.signedParts(baseline)
    let regions = ResponseMutations.Regions(subject.response, signer: baseline.signer)
    let plan = ResponseMutations.Plan()
    var count = 0
    var trusted = 0
    var forged = 0
    var byRegion: [String: Int] = [:]
    while count < perSubject {
        ResponseMutations.generate(subject.response, plan: plan, rng: &rng) { mutation in
            guard count < perSubject, mutation.bytes != subject.response else { return }
            count += 1
            let result = verifier.verify(response: mutation.bytes, certificate: subject.certificate, issuer: subject.issuer, now: subject.now)
            switch ResponseMutations.judge(
                mutation, result: result, protected: protected, regions: regions, signer: baseline.signer)
            {
            case .refused: break
            case .outsideSignature(let region):
                trusted += 1
                byRegion[region, default: 0] += 1
            case .forged:
                trusted += 1
                forged += 1
                if forgeries.count < 20 {
                    let changed = zip(ResponseMutations.signedParts(result) ?? [], protected ?? []).enumerated()
                        .filter { $0.element.0 != $0.element.1 }.map { ["tbsResponseData", "signature", "signatureAlgorithm", "signer certificate"][$0.offset] }
                    forgeries.append(
                        "\(subject.name): \(mutation.description) (in \(mutation.offset.map { regions.name(at: $0) } ?? "a prefix")) -> \(result.verdict.name); changed: \(changed)")
                }
            }
        }
    }
    let where_ = byRegion.sorted { $0.value > $1.value }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
    print("| \(subject.name) | \(subject.response.count) | \(count) | \(trusted) | \(where_.isEmpty ? "-" : where_) | \(forged) |")
    grandTotal += count
    grandTrusted += trusted
    grandForged += forged
    for (region, number) in byRegion { regionsTotal[region, default: 0] += number }
}
let seconds = Date().timeIntervalSince(started)
print("| **all** | | \(grandTotal) | \(grandTrusted) | \(regionsTotal.sorted { $0.value > $1.value }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")) | \(grandForged) |")
print(String(format: "%d mutations in %.0f s (%.0f verifications/s), seed %llu", grandTotal, seconds, Double(grandTotal) / seconds, seed))
for forgery in forgeries { print("FORGED: \(forgery)") }
exit(grandForged == 0 ? 0 : 1)
