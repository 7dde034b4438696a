import ArgumentParser
import Foundation
import Logging
import OCSPCore
import OCSPFetching
import Stapling
import X509

struct Fetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch, verify and atomically save the OCSP staple of a certificate.",
        discussion: """
            Finds the leaf (the first certificate of CHAIN) and its issuer (later in CHAIN, or \
            --issuer), asks the responders of its AIA extension in order (or each --url), verifies \
            the answer, and writes it to OUT only when it is good for this certificate and newer \
            (thisUpdate) than a good staple already there. The write is atomic (temporary file, \
            fsync, rename): a server reading OUT sees the old staple or the new one, never a mix, \
            and a failure leaves OUT byte-for-byte as it was.

            GET is used when the base64 request is at most 255 bytes (RFC 5019), POST otherwise. \
            http_proxy, https_proxy and no_proxy are honoured. The responder's host name is \
            resolved afresh for every attempt.

            Examples:
              staple fetch fullchain.pem -o site.ocsp
              staple fetch leaf.pem --issuer ca.pem --url http://ocsp.example.net --json

            Exit status:
              0  written, or OUT already holds a good staple at least as new
              1  judged but not written: revoked, unknown, no status for this certificate,
                 rejected (bad signature, expired, another certificate, ...), responder error
                 (tryLater, ...), or a good answer that may no longer be served
              2  usage error, unreadable input, or OUT could not be written
              3  no responder answered over HTTP (not listening, timeout, HTTP error, empty or
                 oversize body, wrong content type)
            Every failure names the responder URL, the certificate serial and the reason.
            """
    )

    @Argument(help: "PEM or DER file: the leaf certificate first, then (optionally) its issuer.")
    var chain: String

    @Option(help: "The issuer certificate, when CHAIN does not hold it.")
    var issuer: String?

    @Option(
        name: .customLong("url"), help: "Responder URL to use instead of the AIA ones (repeatable, tried in order).")
    var urls: [String] = []

    @Option(
        name: [.short, .customLong("output")],
        help: "Where to write the staple (default: CHAIN.ocsp, as HAProxy looks for).")
    var output: String?

    @Flag(help: "Print a JSON document (stable field names) instead of text.")
    var json = false

    @Option(help: "Seconds for each attempt to one responder, redirects included.")
    var timeout: Double = OCSPFetchConfiguration.defaultAttemptTimeout

    @Option(help: "CertID hash algorithm: sha1 (what RFC 5019 responders must answer) or sha256.")
    var hash: String = "sha1"

    @Flag(help: "Always POST, even for small requests.")
    var post = false

    @Flag(help: "Log each attempt to standard error.")
    var verbose = false

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be a positive number of seconds.") }
        guard OCSPHashAlgorithm(name: hash) != nil else {
            throw ValidationError("--hash must be one of \(OCSPHashAlgorithm.all.map(\.name).joined(separator: ", ")).")
        }
        for url in urls {
            guard let components = URLComponents(string: url),
                ["http", "https"].contains(components.scheme?.lowercased() ?? ""),
                components.host?.isEmpty == false
            else { throw ValidationError("--url \(url) is not an absolute http or https URL.") }
        }
    }

    func run() async throws {
        let (leaf, issuerCertificate) = try Self.exitingOnUnusableInput {
            try InputFiles.leafAndIssuer(chain: chain, issuer: issuer)
        }
        var logger = Logger(label: "staple.fetch")
        logger.logLevel = verbose ? .debug : .critical
        let fetcher = OCSPFetcher(
            configuration: OCSPFetchConfiguration(
                attemptTimeout: timeout, maximumGETBase64Length: post ? 0 : OCSPHTTPRequest.maximumGETBase64Length),
            logger: logger
        )
        let report = await StapleFileUpdate.run(
            path: output ?? chain + ".ocsp", certificate: leaf, issuer: issuerCertificate,
            responderURLs: urls.isEmpty ? nil : urls,
            hash: OCSPHashAlgorithm(name: hash) ?? .sha1, fetch: StapleFetch(fetcher: fetcher, logger: logger)
        )
        try? await fetcher.shutdown()
        if json {
            print(try FetchReportJSON(report).encoded())
        } else if Self.exitStatus(report.status) == .hoped {
            print(report.message)
        } else {
            for failure in report.failures.dropLast() {
                FileHandle.standardError.write(Data("staple: also tried: \(failure)\n".utf8))
            }
            FileHandle.standardError.write(Data("staple: \(report.message)\n".utf8))
        }
        let status = Self.exitStatus(report.status)
        if status != .hoped { throw status.exitCode }
    }

    /// The exit status for what the update did.
    static func exitStatus(_ status: StapleFileUpdate.Status) -> ExitStatus {
        switch status {
        case .written, .alreadyCurrent: .hoped
        case .revoked, .notGood: .judged
        case .writeFailed: .unusable
        case .network: .unreachable
        }
    }
}
