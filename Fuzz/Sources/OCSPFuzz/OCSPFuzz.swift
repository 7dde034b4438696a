import Foundation
import OCSPCore
import OCSPReporting
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
        guard
            let data = FileManager.default.contents(atPath: corpora.appendingPathComponent(name).path),
            let certificate = try? CertificateLoading.certificates(in: Array(data), source: name).first
        else {
            fatalError(
                "fuzz fixtures missing: \(corpora.path)/\(name) (the shared corpora must sit beside the project)")
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
    let result = OCSPVerifier().verify(
        response: bytes, certificate: Fixtures.certificate, issuer: Fixtures.issuer, now: Fixtures.now)
    if let response = try? OCSPResponse(derEncoded: bytes) {
        _ = ResponseReport(response: response, der: bytes, verification: result, at: Fixtures.now).text
    }
    return 0
}

/// libFuzzer's driver, from the runtime that `-sanitize=fuzzer` links in.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// The entry point SwiftPM links executables through (`main` is defined as `<module>_main`); with
/// `-parse-as-library` there is no top-level code, so this hands control to libFuzzer's driver.
@_cdecl("OCSPFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // Load the fixtures before fuzzing: memory first allocated inside an input would be reported as
    // that input's leak.
    _ = (Fixtures.certificate, Fixtures.issuer, Fixtures.now)
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, { data, size in fuzzOneInput(data, size) })
}
