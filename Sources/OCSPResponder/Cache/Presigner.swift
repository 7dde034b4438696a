import Foundation
import OCSPCore
import SwiftASN1
import X509

/// Signing responses from index entries: the only place responses are made.
package enum Presigner {
    /// The SingleResponse that states `entry` (or `unknown` when nil) for `certID`, valid from `now`.
    package static func singleResponse(
        certID: CertID, entry: IndexEntry?, now: Date, validity: TimeInterval
    ) throws -> SingleResponse {
        SingleResponse(
            certID: certID, certStatus: try entry?.certStatus ?? .unknown, thisUpdate: try GeneralizedTime(now),
            nextUpdate: try GeneralizedTime(now.addingTimeInterval(validity)))
    }

    /// Signs `responses` for `authority` at `now`, with the given response extensions (a nonce).
    package static func sign(
        _ responses: [SingleResponse], authority: Authority, now: Date, validity: TimeInterval,
        extensions: [Certificate.Extension] = []
    ) throws(ResponderError) -> SignedAnswer {
        do {
            let der = try authority.signer.sign(responses, producedAt: now, extensions: extensions)
            return SignedAnswer(der: der, thisUpdate: now, nextUpdate: now.addingTimeInterval(validity))
        } catch {
            throw ResponderError(.signingFailed, subject: authority.name, reason: "\(error)")
        }
    }

    /// Carries out `plan` on `state.cache`: signs one response per pre-signed hash algorithm for each due serial.
    ///
    /// - Returns: the number of responses signed.
    @discardableResult
    package static func apply(
        _ plan: PresignPlan, to state: inout AuthorityState, now: Date, validity: TimeInterval
    ) throws(ResponderError) -> Int {
        var signed = 0
        for serial in plan.drop { state.cache.entries[serial] = nil }
        for serial in plan.sign {
            guard let entry = state.index.entries[serial] else { continue }
            var answers: [OCSPHashAlgorithm: SignedAnswer] = [:]
            for hash in Authority.presignedHashes {
                let certID = state.authority.certID(serial: serial, hash: hash)
                let single: SingleResponse
                do {
                    single = try singleResponse(certID: certID, entry: entry, now: now, validity: validity)
                } catch {
                    throw ResponderError(
                        .signingFailed, subject: state.authority.name,
                        reason: "serial \(serial.hexString): \(error)")
                }
                answers[hash] = try sign([single], authority: state.authority, now: now, validity: validity)
                signed += 1
            }
            state.cache.entries[serial] = PresignedCache.Entry(indexEntry: entry, answers: answers, signedAt: now)
        }
        return signed
    }
}
