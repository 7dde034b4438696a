import ArgumentParser
import Foundation
import OCSPCore
import OCSPReporting
import X509

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an OCSP response and, given the certificate, verify it.",
        discussion: """
            Reads DER, PEM or base64. Without --cert it prints the response like \
            `openssl ocsp -resp_text`. With --cert (and --issuer, unless CERT is a chain that holds \
            the issuer) it also runs every check of the verifier, in order, and prints the verdict: \
            good, revoked, unknown, no-status, rejected or responder-error. Unlike \
            `openssl ocsp -respin`, a revoked, unknown, expired or unsigned answer never exits 0.

            Examples:
              staple inspect site.ocsp
              staple inspect site.ocsp --cert fullchain.pem
              staple inspect site.ocsp --cert leaf.pem --issuer ca.pem --at 2025-01-01T00:00:00Z --json

            Exit status:
              0  with --cert: good and stapleable (has a nextUpdate); without: a successful response
              1  judged, and anything else: revoked, unknown, no-status, rejected, responder error,
                 good without nextUpdate
              2  usage error or unreadable input (the message names the file and what is wrong)
            """
    )

    @Argument(help: "The OCSP response file (DER, PEM or base64).")
    var response: String

    @Option(help: "The certificate the response should be about (PEM or DER; a chain file is fine).")
    var cert: String?

    @Option(help: "The issuer of --cert. Default: looked for after the leaf in the --cert file.")
    var issuer: String?

    @Option(help: "Extra responder certificates to trust explicitly (PEM bundle).")
    var trust: String?

    @Option(help: "Verify at this time (unix seconds or ISO 8601) instead of now.")
    var at: TimeArgument?

    @Flag(help: "Print a JSON document (stable field names) instead of text.")
    var json = false

    func validate() throws {
        if cert == nil && (issuer != nil || trust != nil || at != nil) {
            throw ValidationError("--issuer, --trust and --at need --cert: there is nothing to verify without it.")
        }
    }

    func run() throws {
        let now = at?.date ?? Date()
        let (der, decoded, verification) = try Self.exitingOnUnusableInput {
            () throws -> ([UInt8], OCSPResponse, OCSPVerification?) in
            let raw = try InputFiles.bytes(response, what: "response")
            let der: [UInt8]
            let decoded: OCSPResponse
            do {
                der = try ResponseEncoding.derBytes(from: raw)
                decoded = try OCSPResponse(derBytes: der)
            } catch {
                throw CommandError(
                    .unusableInput, subject: "response \(response)", reason: "not an OCSP response: \(error)")
            }
            return (der, decoded, try verify(der, now: now))
        }
        let report = ResponseReport(response: decoded, der: der, verification: verification, at: now)
        print(json ? try report.json() : report.text)
        let success = verification.map(\.isStapleable) ?? (decoded.status == .successful)
        if !success { throw ExitStatus.judged.exitCode }
    }

    private func verify(_ der: [UInt8], now: Date) throws -> OCSPVerification? {
        guard let cert else { return nil }
        let (leaf, issuerCertificate) = try InputFiles.leafAndIssuer(chain: cert, issuer: issuer)
        let trusted = try trust.map { try InputFiles.certificates($0, what: "trusted responders") } ?? []
        return OCSPVerifier().verify(
            response: der, certificate: leaf, issuer: issuerCertificate, trustedResponders: trusted, now: now
        )
    }
}
