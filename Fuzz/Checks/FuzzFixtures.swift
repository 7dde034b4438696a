import Foundation
import OCSPCore
import X509

/// Where the fixtures of the checks come from: the shared corpora beside the project.
enum FuzzFixtures {
    /// `../shared/corpora` from the project root.
    static let corpora = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/corpora")

    static func corpusCertificate(_ name: String) -> Certificate {
        let path = corpora.appendingPathComponent(name).path
        guard let data = FileManager.default.contents(atPath: path),
            let certificate = try? CertificateLoading.certificates(in: Array(data), source: name).first
        else {
            fatalError("fuzz fixture missing: \(path) (the shared corpora must sit beside the project)")
        }
        return certificate
    }

    /// A private scratch directory for this process (on /dev/shm when there is one: parsers read files).
    static let scratch: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = "\(base)/staple-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()
}
