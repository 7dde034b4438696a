import Foundation
import OCSPCore
import SwiftASN1
import X509

/// An expired staple: a `good` response for a leaf, signed by the demo's real delegated responder,
/// whose nextUpdate passed a day ago: what a staple file looks like after its cron job stopped.
///
/// `openssl ocsp` cannot sign in the past, so the OCSP core's signer makes it.
package enum ExpiredStaple {
    /// Writes the DER response to `path`.
    ///
    /// - Parameter now: thisUpdate is two days before it, nextUpdate one day before.
    /// - Throws: ``DemoError`` `pkiFailed` naming the file that could not be read or written.
    package static func write(
        to path: String, leaf: DemoPKI.Leaf, pki: DemoPKI, now: Date
    ) throws(DemoError) {
        do {
            let certificate = try certificates(at: leaf.certificatePath)[0]
            let issuer = try certificates(at: pki.intermediatePath)[0]
            let responder = try certificates(at: pki.responderPath)[0]
            let key = try Certificate.PrivateKey(
                pemEncoded: String(contentsOfFile: pki.responderKeyPath, encoding: .utf8))
            let response = SingleResponse(
                certID: try CertID(certificate: certificate, issuer: issuer), certStatus: .good,
                thisUpdate: try GeneralizedTime(now.addingTimeInterval(-2 * 86_400)),
                nextUpdate: try GeneralizedTime(now.addingTimeInterval(-86_400)))
            let der = try OCSPResponseSigner.delegated(certificate: responder, privateKey: key)
                .sign([response], producedAt: now.addingTimeInterval(-2 * 86_400))
            try Data(der).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch let error as DemoError {
            throw error
        } catch {
            throw DemoError(.pkiFailed, subject: path, reason: "cannot make the expired staple: \(error)")
        }
    }

    private static func certificates(at path: String) throws -> [Certificate] {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let found = try CertificateLoading.certificates(in: bytes, source: path)
        guard !found.isEmpty else { throw DemoError(.pkiFailed, subject: path, reason: "no certificate in the file") }
        return found
    }
}
