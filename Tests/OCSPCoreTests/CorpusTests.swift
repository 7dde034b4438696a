import Foundation
import OCSPCore
import StapleFiles
import Testing
import X509

/// Every case in `../shared/corpora` gets the verdict its README demands.
@Suite("Third-party corpora")
struct CorpusTests {
    @Test("the corpora are present and complete")
    func corporaArePresent() {
        #expect(Corpora.cases("openssl-ocsp").count == 55)
        #expect(Corpora.cases("openssl-ocsp", "full-cases.tsv").count == 10)
        #expect(Corpora.cases("aws-lc").count == 18)
        #expect(Corpora.cases("s2n-tls").count == 9)
    }

    /// OpenSSL's matrix: signature and responder authorization only. The anchor is trusted explicitly;
    /// the issuer is the anchor or a certificate among the others that the anchor signed; every
    /// SingleResponse must name that issuer (OpenSSL's `OCSP_check_issuer`).
    @Test("openssl-ocsp/cases.tsv: authorization matrix", arguments: Corpora.cases("openssl-ocsp"))
    func authorizationMatrix(_ row: Corpora.Case) throws {
        let f = row.fields
        let response = try Corpora.bytes(row.folder, f[1])
        let anchor = try Corpora.certificate(row.folder, f[2])
        let others = try InputFile.certificates(
            atPath: Corpora.root.appendingPathComponent(row.folder).appendingPathComponent(f[3]).path)
        let now = Date(timeIntervalSince1970: TimeInterval(f[4])!)
        // Path building: every certificate among the others that chains up to the anchor.
        var issuers = [anchor]
        var grew = true
        while grew {
            let next = others.filter { other in !issuers.contains(other) && issuers.contains { other.isIssued(by: $0) }
            }
            issuers += next
            grew = !next.isEmpty
        }
        let accepted = issuers.contains { issuer in
            let result = OCSPVerifier().authenticate(response: response, issuer: issuer, now: now)
            return result.verdict == .good
                && result.response!.tbsResponseData.responses.allSatisfy { $0.certID.names(issuer: issuer) }
        }
        #expect(accepted == (f[5] == "accept"), "\(f[0]): \(f[6])")
    }

    @Test(
        "full checks",
        arguments: Corpora.cases("openssl-ocsp", "full-cases.tsv") + Corpora.cases("aws-lc") + Corpora.cases("s2n-tls"))
    func fullCheck(_ row: Corpora.Case) throws {
        let f = row.fields
        let response = try Corpora.bytes(row.folder, f[0])
        let certificate = try Corpora.certificate(row.folder, f[1])
        let issuer = try Corpora.certificate(row.folder, f[2])
        let now = Date(timeIntervalSince1970: TimeInterval(f[3])!)
        let result = OCSPVerifier().verify(response: response, certificate: certificate, issuer: issuer, now: now)
        let expected = f[4]
        let failed = result.checks.filter { $0.outcome == .failed }.map(\.detail)
        switch expected {
        case "good":
            #expect(result.verdict == .good, "\(f[5]): \(failed)")
            let stapleable = result.isStapleable
            #expect(stapleable)
        case "good-no-next-update":
            #expect(result.verdict == .good, "\(f[5]): \(failed)")
            let hasNextUpdate = result.nextUpdate != nil
            let stapleable = result.isStapleable
            let warned = result.checks.contains { $0.id == "next-update" && $0.outcome == .warning }
            #expect(!hasNextUpdate && !stapleable && warned)
        case "revoked":
            guard case .revoked = result.verdict else {
                Issue.record("\(f[5]): got \(result.verdict)")
                return
            }
        case "unknown":
            #expect(result.verdict == .unknown, "\(f[5]): \(failed)")
        case "no-status":
            #expect(result.verdict == .noStatus, "\(f[5]): \(failed)")
        case "reject":
            guard case .rejected = result.verdict else {
                Issue.record("\(f[5]): got \(result.verdict)")
                return
            }
        default:
            #expect(expected.hasPrefix("responder-error:"))
            let status = OCSPResponseStatus(name: String(expected.dropFirst("responder-error:".count)))
            #expect(status != nil)
            #expect(result.verdict == .responderError(status!), "\(f[5])")
        }
        if result.verdict != .good {
            let stapleable = result.isStapleable
            #expect(!stapleable)
        }
    }
}
