import Foundation
import OCSPCore
import StapleFiles
import Stapling
import X509

/// A site's certificate as its files hold it now: the leaf, its issuer, and the fingerprints
/// renewal polling compares.
package struct SiteMaterial: Sendable {
    package var leaf: Certificate
    package var issuer: Certificate
    /// The chain file itself holds the issuer (HAProxy then needs no `.issuer` file).
    package var chainHasIssuer: Bool
    /// The chain file, then the `issuer:` file when there is one.
    package var fingerprints: [FileFingerprint]

    package var key: CertificateKey { CertificateKey(certificate: leaf) }
    package var serialNumberHex: String { Array(leaf.serialNumber.bytes).hexString }

    /// Reads the site's chain (and `issuer:` file).
    ///
    /// - Throws: ``RunError`` (``RunErrorCode/certificate``) naming the file: unreadable, not a
    ///   certificate, or no issuer for the leaf in the chain or the issuer file.
    package static func load(_ site: SiteConfiguration) throws(RunError) -> SiteMaterial {
        let (chainPrint, chain) = try read(site.certificate)
        var fingerprints = [chainPrint]
        var extra: [Certificate] = []
        if let issuerPath = site.issuer {
            let (issuerPrint, issuers) = try read(issuerPath)
            extra = issuers
            fingerprints.append(issuerPrint)
        }
        guard let leaf = chain.first else {
            throw RunError(.certificate, subject: site.certificate, reason: "holds no certificate")
        }
        let inChain = IssuerLookup.leafAndIssuer(chain: chain)?.issuer
        guard let issuer = inChain ?? IssuerLookup.leafAndIssuer(chain: chain, extra: extra)?.issuer else {
            throw RunError(
                .certificate, subject: site.certificate,
                reason: "the issuer of \(leaf.subject) (serial \(Array(leaf.serialNumber.bytes).hexString)) is "
                    + (site.issuer.map { "neither in the chain nor in \($0)" } ?? "not in the chain")
                    + "; stapling needs the leaf followed by its issuer, or `issuer:`")
        }
        return SiteMaterial(leaf: leaf, issuer: issuer, chainHasIssuer: inChain != nil, fingerprints: fingerprints)
    }

    private static func read(_ path: String) throws(RunError) -> (FileFingerprint, [Certificate]) {
        do {
            let stamp = FileStamp(path: path)
            let bytes = try InputFile.bytes(atPath: path, code: .unreadableCertificate)
            let certificates = try CertificateLoading.certificates(in: bytes, source: path)
            return (FileFingerprint(path: path, stamp: stamp, bytes: bytes), certificates)
        } catch {
            throw RunError(.certificate, subject: path, reason: error.reason)
        }
    }

    /// What one renewal poll found.
    package enum Poll: Sendable, Hashable {
        /// Every file has the stamp it had.
        case same
        /// Some stamps moved, the content did not (a `touch`, a copy of the same bytes):
        /// these are the stamps to compare next time, taken before the content was read.
        case touched([FileStamp?])
        /// The content of a file changed (or it cannot be read): read the material again.
        case changed
    }

    /// Compares the files with what was read: the stamps first, the content only when a stamp moved.
    package func poll() -> Poll {
        var stamps: [FileStamp?] = []
        var moved = false
        for fingerprint in fingerprints {
            let stamp = FileStamp(path: fingerprint.path)
            stamps.append(stamp)
            if stamp == fingerprint.stamp, stamp != nil { continue }
            moved = true
            guard let bytes = try? InputFile.bytes(atPath: fingerprint.path),
                FileFingerprint.digest(of: bytes) == fingerprint.digest
            else { return .changed }
        }
        return moved ? .touched(stamps) : .same
    }

    /// Takes the stamps a ``Poll/touched(_:)`` poll saw, so later polls stay cheap.
    package mutating func take(_ stamps: [FileStamp?]) {
        for (index, stamp) in zip(fingerprints.indices, stamps) { fingerprints[index].stamp = stamp }
    }
}
