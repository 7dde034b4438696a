import Foundation
import OCSPCore
import SwiftASN1
import X509

/// A file named by a configuration that could not be used: which, where it is named, and why.
package struct FileProblem: Error, Hashable, Sendable {
    package var path: String
    /// The directive that names the file.
    package var location: SourceLocation
    package var reason: String
}

/// Loads the certificate, key and response files sites name, each file once.
///
/// Not thread-safe: one store per lint run.
final class MaterialStore {
    /// 1 MiB: certificate bundles with every public CA are about 250 KiB.
    static let maximumCertificateFileSize = 1 << 20
    /// 64 KiB, the verifier's own cap on a response.
    static let maximumResponseSize = OCSPVerifier.defaultMaximumResponseSize

    private var certificateCache: [String: Result<[Certificate], LoadFailure>] = [:]
    private var keyCache: [String: Result<Certificate.PublicKey?, LoadFailure>] = [:]
    private var bytesCache: [String: Result<[UInt8], LoadFailure>] = [:]
    private var issuedCache: [IssuedPair: Bool] = [:]

    private struct IssuedPair: Hashable {
        var child: Certificate
        var parent: Certificate
    }

    /// `child.isIssued(by: parent)`, each pair's signature verified once per run.
    func isIssued(_ child: Certificate, by parent: Certificate) -> Bool {
        // Names first: most candidates differ there and need no signature check (nor a cache entry).
        guard child.issuer == parent.subject else { return false }
        let pair = IssuedPair(child: child, parent: parent)
        if let known = issuedCache[pair] { return known }
        let issued = child.isIssued(by: parent)
        issuedCache[pair] = issued
        return issued
    }

    func certificates(_ file: Located<String>) -> Result<[Certificate], FileProblem> {
        let path = file.value
        let result: Result<[Certificate], LoadFailure>
        if let cached = certificateCache[path] {
            result = cached
        } else {
            switch BoundedFile.read(path, limit: Self.maximumCertificateFileSize) {
            case .failure(let problem):
                result = .failure(LoadFailure("\(problem)"))
            case .success(let bytes):
                do {
                    result = .success(try CertificateLoading.certificates(in: bytes, source: path))
                } catch {
                    result = .failure(LoadFailure(error.reason))
                }
            }
            certificateCache[path] = result
        }
        return result.mapError { FileProblem(path: path, location: file.location, reason: $0.reason) }
    }

    /// The public key of the private key in `file` (the first PRIVATE KEY block), nil when it holds none.
    func publicKeyOfPrivateKey(_ file: Located<String>) -> Result<Certificate.PublicKey?, FileProblem> {
        let path = file.value
        let result: Result<Certificate.PublicKey?, LoadFailure>
        if let cached = keyCache[path] {
            result = cached
        } else {
            switch BoundedFile.read(path, limit: Self.maximumCertificateFileSize) {
            case .failure(let problem):
                result = .failure(LoadFailure("\(problem)"))
            case .success(let bytes):
                result = Self.publicKey(ofPrivateKeyIn: bytes)
            }
            keyCache[path] = result
        }
        return result.mapError { FileProblem(path: path, location: file.location, reason: $0.reason) }
    }

    static func publicKey(ofPrivateKeyIn bytes: [UInt8]) -> Result<Certificate.PublicKey?, LoadFailure> {
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            // A DER key: try it as PKCS#8 through a PEM wrapper.
            let document = PEMDocument(type: "PRIVATE KEY", derBytes: bytes)
            guard let key = try? Certificate.PrivateKey(pemDocument: document) else {
                return .failure(LoadFailure("is neither PEM nor a DER private key"))
            }
            return .success(key.publicKey)
        }
        guard let documents = try? PEMDocument.parseMultiple(pemString: text) else {
            return .failure(LoadFailure("holds no readable PEM block"))
        }
        guard let document = documents.first(where: { $0.discriminator.hasSuffix("PRIVATE KEY") }) else {
            return .success(nil)
        }
        if document.discriminator == "ENCRYPTED PRIVATE KEY" {
            return .failure(LoadFailure("holds an encrypted private key (cannot be compared)"))
        }
        do {
            return .success(try Certificate.PrivateKey(pemDocument: document).publicKey)
        } catch {
            return .failure(LoadFailure("holds a \(document.discriminator) block that cannot be read: \(error)"))
        }
    }

    func bytes(_ file: Located<String>, limit: Int) -> Result<[UInt8], FileProblem> {
        let path = file.value
        let result: Result<[UInt8], LoadFailure>
        if let cached = bytesCache[path] {
            result = cached
        } else {
            result = BoundedFile.read(path, limit: limit).mapError { LoadFailure("\($0)") }
            bytesCache[path] = result
        }
        return result.mapError { FileProblem(path: path, location: file.location, reason: $0.reason) }
    }
}

/// Why a file could not be used, before it is tied to the directive naming it.
struct LoadFailure: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
