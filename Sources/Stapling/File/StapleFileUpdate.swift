import Foundation
import OCSPCore
import X509

/// `staple fetch`'s work: fetch, verify, and replace a staple file only with something better.
///
/// The file is written (atomically) only when the new response verifies `good` for the
/// certificate and is newer (thisUpdate) than a good staple already in the file; otherwise the
/// file is left byte-for-byte as it was.
package struct StapleFileUpdate: Sendable {
    /// What happened; `staple fetch` maps it to its exit status.
    package enum Status: String, Sendable, CustomStringConvertible {
        /// A good, newer staple was written.
        case written
        /// The file already holds a good staple at least as new.
        case alreadyCurrent = "already-current"
        /// The certificate is revoked; nothing written.
        case revoked
        /// A judged answer that is not good (unknown, rejected, responder error, no status).
        case notGood = "not-good"
        /// No responder could be reached or answered over HTTP.
        case network
        /// Writing the file failed.
        case writeFailed = "write-failed"

        package var description: String { rawValue }
    }

    package var status: Status
    package var path: String
    package var serialNumberHex: String
    /// The responder whose answer decided it (or the last one tried).
    package var responderURL: String?
    /// The verdict of the fetched response, when one verified that far.
    package var verdict: String?
    package var thisUpdate: Date?
    package var nextUpdate: Date?
    /// thisUpdate of the good staple already in the file, if any.
    package var existingThisUpdate: Date?
    /// One line for a person, naming the responder, the serial and the reason.
    package var message: String
    /// Every failure on the way (other URLs, transport errors).
    package var failures: [StapleFailure]

    /// Runs the update for `certificate` into `path`.
    ///
    /// - Important: `now` is read at the start and when the answer arrives; the caller's clock.
    package static func run(
        path: String, certificate: Certificate, issuer: Certificate, responderURLs: [String]?, hash: OCSPHashAlgorithm,
        fetch: StapleFetch, policy: RefreshPolicy = RefreshPolicy(), now: @escaping @Sendable () -> Date = { Date() }
    ) async -> StapleFileUpdate {
        let serial = Array(certificate.serialNumber.bytes).hexString
        let existing = existingThisUpdate(
            path: path, certificate: certificate, issuer: issuer, verifier: fetch.verifier, now: now())
        let outcome = await fetch.response(
            for: StapleRequest(
                certificate: certificate, issuer: issuer, responderURLs: responderURLs, hash: hash,
                currentThisUpdate: existing, policy: policy),
            now: now)
        var report = StapleFileUpdate(
            status: .network, path: path, serialNumberHex: serial,
            responderURL: outcome.responderURL ?? outcome.failures.last?.responderURL,
            verdict: outcome.verification?.verdict.name, thisUpdate: outcome.verification?.thisUpdate,
            nextUpdate: outcome.verification?.nextUpdate, existingThisUpdate: existing, message: "",
            failures: outcome.failures
        )
        let responder = report.responderURL ?? "(none)"
        let subject = "responder \(responder), certificate serial \(serial)"
        guard let judgement = outcome.judgement else {
            report.status = .network
            report.message = outcome.failures.last?.description ?? "\(subject): no answer"
            return report
        }
        switch judgement.acceptance {
        case .accepted(let staple):
            do {
                try AtomicFile.write(staple.bytes, to: path)
                report.status = .written
                report.message = "\(subject): good, thisUpdate \(staple.thisUpdate.iso8601); written to \(path)"
            } catch {
                report.status = .writeFailed
                report.message = "\(subject): good, but \(error)"
            }
        case .pastServingEnd(_, let end):
            report.status = .notGood
            report.message = "\(subject): good, but may be served only until \(end.iso8601); not written"
        case .notNewer(let candidate, let current):
            report.status = .alreadyCurrent
            report.message =
                "\(subject): good, thisUpdate \(candidate.iso8601) is not newer than \(current.iso8601) in \(path); kept"
        case .revoked(let time, let reason):
            report.status = .revoked
            report.message = "\(subject): REVOKED at \(time.iso8601)\(reason.map { " (\($0))" } ?? ""); not written"
        case .notGood(let verdict):
            report.status = .notGood
            report.message = "\(subject): \(verdict.explanation); not written"
        }
        return report
    }

    /// thisUpdate of the staple in `path` when it verifies good for `certificate` at `now`.
    static func existingThisUpdate(
        path: String, certificate: Certificate, issuer: Certificate, verifier: OCSPVerifier, now: Date
    ) -> Date? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let verification = verifier.verify(response: [UInt8](data), certificate: certificate, issuer: issuer, now: now)
        return verification.verdict == .good ? verification.thisUpdate : nil
    }
}
