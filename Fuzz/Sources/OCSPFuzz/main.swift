import Foundation
import OCSPCore
import X509

/// Fixtures read once from `../shared/corpora`: a certificate, its issuer and a time at which the
/// corpus responses for it verify, so that mutated inputs reach the deepest checks.
enum Fixtures {
    static let corpora = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/corpora/aws-lc")

    static let certificate = load("rsa_cert.pem")
    static let issuer = load("ca_cert.pem")
    static let now = Date(timeIntervalSince1970: 1_735_689_600)

    static func load(_ name: String) -> Certificate {
        guard let certificate = try? CertificateLoading.certificates(atPath: corpora.appendingPathComponent(name).path).first else {
            fatalError("fuzz fixtures missing: \(corpora.path)/\(name) (the shared corpora must sit beside the project)")
        }
        return certificate
    }
}

/// libFuzzer's entry point: decode the input every way OCSPCore can, then verify it.
/// Any crash, trap or sanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? OCSPRequest(derEncoded: bytes)
    _ = try? ResponseEncoding.derBytes(from: bytes)
    let result = OCSPVerifier().verify(response: bytes, certificate: Fixtures.certificate, issuer: Fixtures.issuer, now: Fixtures.now)
    if let response = try? OCSPResponse(derEncoded: bytes) {
        _ = ResponseReport(response: response, der: bytes, verification: result, at: Fixtures.now).text
    }
    return 0
}
