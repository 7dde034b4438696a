import Foundation
import Logging
import OCSPCore
import X509

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Staples on disk, one file per certificate, so a restart serves at once instead of waiting for
/// the responders.
///
/// Layout of the state directory (created with mode 0700):
/// - `<key>.ocsp`: the DER OCSPResponse for the certificate whose DER has SHA-256 `<key>` (hex),
///   exactly as received; written atomically (``AtomicFile``).
/// - `<key>.ocsp.rejected-<UTC time>`: a file that failed to load, set aside for inspection and
///   never served.
/// - `.<name>.tmp-*`: a write in progress; left over only by a crash, and ignored.
///
/// Loading re-verifies each staple against its certificate and issuer at the time given.
package struct StapleStore: Sendable {
    package let directory: String
    private let logger: Logger

    /// Opens (creating if needed) the state directory.
    ///
    /// - Throws: ``StoreError`` when the directory cannot be created or is not a directory.
    package init(directory: String, logger: Logger) throws(StoreError) {
        self.directory = directory
        self.logger = logger
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw StoreError(.directoryUnusable, path: directory, reason: "exists and is not a directory")
            }
        } else {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError(
                    .directoryUnusable, path: directory, reason: "cannot create: \(error.localizedDescription)")
            }
        }
    }

    /// The staple file of `key`.
    package func path(for key: CertificateKey) -> String {
        "\(directory)/\(key.hex).ocsp"
    }

    /// What loading one certificate's staple found.
    package enum LoadResult: Sendable {
        /// No file.
        case missing
        /// A file that verifies good for the certificate at the time given.
        case loaded(Staple)
        /// A file that could not be read or did not verify; it was renamed to `movedTo` (nil when the
        /// rename failed too) and is never served.
        case setAside(reason: String, movedTo: String?)
    }

    /// Loads and re-verifies the staple of `certificate`.
    package func load(
        certificate: Certificate, issuer: Certificate, verifier: OCSPVerifier, policy: RefreshPolicy, now: Date
    ) -> LoadResult {
        load(certificate: certificate, issuer: OCSPIssuer(issuer), verifier: verifier, policy: policy, now: now)
    }

    /// Loads and re-verifies the staple of `certificate`, its issuer prepared once for its CA.
    package func load(
        certificate: Certificate, issuer: OCSPIssuer, verifier: OCSPVerifier, policy: RefreshPolicy, now: Date
    ) -> LoadResult {
        let key = CertificateKey(certificate: certificate)
        let path = path(for: key)
        guard FileManager.default.fileExists(atPath: path) else { return .missing }
        let serial = Array(certificate.serialNumber.bytes).hexString
        guard let data = FileManager.default.contents(atPath: path) else {
            return setAside(path, serial: serial, now: now, reason: "unreadable")
        }
        let judgement = StapleJudgement(
            response: [UInt8](data), certificate: certificate, issuer: issuer, verifier: verifier,
            currentThisUpdate: nil, policy: policy, now: now)
        switch judgement.acceptance {
        case .accepted(let staple):
            return .loaded(staple)
        case .pastServingEnd(_, let end):
            return setAside(path, serial: serial, now: now, reason: "expired: may be served until \(end.iso8601) only")
        case .revoked(let time, let reason):
            return setAside(
                path, serial: serial, now: now, reason: "revoked at \(time.iso8601)\(reason.map { " (\($0))" } ?? "")")
        case .notGood(let verdict):
            return setAside(path, serial: serial, now: now, reason: "does not verify: \(verdict.explanation)")
        case .notNewer:
            return setAside(path, serial: serial, now: now, reason: "unexpected")
        }
    }

    private func setAside(_ path: String, serial: String, now: Date, reason: String) -> LoadResult {
        let stamp = now.iso8601.replacingOccurrences(of: ":", with: "")
        var target = "\(path).rejected-\(stamp)"
        var suffix = 1
        while FileManager.default.fileExists(atPath: target) {
            target = "\(path).rejected-\(stamp)-\(suffix)"
            suffix += 1
        }
        let moved = rename(path, target) == 0
        AtomicFile.syncDirectory(directory)
        logger.error(
            "Stored staple set aside, not served",
            metadata: [
                "staple.path": "\(path)",
                "staple.set_aside_as": "\(moved ? target : "(rename failed: \(errnoText()))")",
                "cert.serial": "\(serial)", "error.reason": "\(reason)",
            ])
        return .setAside(reason: reason, movedTo: moved ? target : nil)
    }

    /// Saves `staple` for `key`, atomically.
    package func save(_ staple: Staple, for key: CertificateKey) throws(StoreError) {
        try AtomicFile.write(staple.bytes, to: path(for: key), mode: 0o600)
    }

    /// Removes the staple of `key`, if any.
    package func remove(_ key: CertificateKey) {
        unlink(path(for: key))
        AtomicFile.syncDirectory(directory)
    }
}
