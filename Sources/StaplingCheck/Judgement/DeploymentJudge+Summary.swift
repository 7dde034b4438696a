import Crypto
import Foundation
import OCSPCore
import X509

extension DeploymentJudge {
    // MARK: - Helpers

    /// `ecdsa`, `rsa`, `ed25519` or `other`.
    package static func keyType(_ certificate: Certificate) -> String {
        let key = certificate.publicKey
        if P256.Signing.PublicKey(key) != nil || P384.Signing.PublicKey(key) != nil
            || P521.Signing.PublicKey(key) != nil
        {
            return "ecdsa"
        }
        if Curve25519.Signing.PublicKey(key) != nil { return "ed25519" }
        return "rsa"
    }

    static func serial(_ certificate: Certificate) -> String { Array(certificate.serialNumber.bytes).hexString }

    static func serials(_ verification: OCSPVerification) -> [String] {
        verification.response?.tbsResponseData.responses.map(\.certID.serialNumberHex) ?? []
    }

    static func statusName(_ verdict: OCSPVerdict) -> String { verdict.name }

    static func hours(_ seconds: TimeInterval) -> String { String(format: "%.1f", seconds / 3600) }

    static func time(_ date: Date?) -> String {
        guard let date else { return "(none)" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func summary(_ record: HandshakeRecord) -> HandshakeSummary {
        let staple = record.observed?.staple
        var error: String?
        if case .failure(let failure) = record.outcome { error = failure.message }
        return HandshakeSummary(
            number: record.number, round: record.round, offered: record.variant.versionName,
            version: record.observed?.version, stapled: staple != nil,
            stapleSHA256: staple.map { Array(SHA256.hash(data: $0)).hexString.lowercased() }, error: error,
            at: record.at)
    }

    /// The staple as reported; times are those of the SingleResponse about this certificate, when one matched.
    static func summary(_ staple: StapleEvidence, now: Date) -> StapleSummary {
        let verification = staple.verification
        let thisUpdate = verification?.thisUpdate
        let nextUpdate = verification?.nextUpdate
        return StapleSummary(
            verdict: verification?.verdict.name ?? "unverified", serials: verification.map(serials) ?? [],
            thisUpdate: thisUpdate, nextUpdate: nextUpdate,
            producedAt: verification?.response.map { Date($0.tbsResponseData.producedAt) },
            hoursLeft: nextUpdate.map { $0.timeIntervalSince(now) / 3600 },
            ageSeconds: thisUpdate.map { now.timeIntervalSince($0) }, bytes: staple.bytes.count)
    }
}
