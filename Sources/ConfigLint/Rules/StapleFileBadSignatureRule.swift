import OCSPCore

/// The staple file's signature does not verify, or its signer may not speak for the issuer.
struct StapleFileBadSignatureRule: LintRule {
    let id = "staple-file-bad-signature"
    let severity = Severity.error
    let anchors: Set<String> = Anchor.haproxyCertificate.union(["ssl_stapling_file"])
    let servers: Set<ServerKind> = [.nginx, .haproxy]
    let summary = "The staple file is badly signed or signed by a responder the issuer did not authorize"
    let fix = "Fetch a fresh response from the certificate's own OCSP responder"

    static let codes: Set<OCSPRejection.Code> = [
        .badSignature, .signerNotFound, .unauthorizedSigner, .weakSignatureAlgorithm, .unsupportedSignatureAlgorithm,
    ]

    func check(_ context: SiteContext) -> [Finding] {
        decodedStaples(context).compactMap { _, staple in
            guard case .rejected(let rejection)? = staple.verification?.verdict, Self.codes.contains(rejection.code)
            else { return nil }
            return finding(
                staple.file.location,
                "\(describe(staple, server: context.site.server)) fails verification (\(rejection.reason)); "
                    + "clients that check will reject it, and \(context.site.server.displayName) checks no signature",
                breaksStapling: true
            )
        }
    }
}
