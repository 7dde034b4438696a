import Foundation
import OCSPCore
import X509

/// What the files of one certificate slot hold, loaded and judged once for all rules.
package struct SlotFacts: Sendable {
    package var slot: CertificateSlot
    /// The certificate file's certificates, leaf first, then those of a separate chain file.
    package var chain: [Certificate]
    package var leaf: Certificate? { chain.first }
    /// How many of ``chain`` come from the certificate file (the rest from the chain file).
    package var certificateFileCount = 0
    /// Files named for this slot that could not be used.
    package var problems: [FileProblem]
    /// Whether the private key belongs to the certificate; nil when there is no key to compare.
    package var keyMatches: Bool?
    /// Where the key was found (key file, or the certificate file for HAProxy).
    package var keyLocation: Located<String>?
    /// The issuer of the leaf found in the certificate file or chain file.
    package var issuerInChain: Certificate?
    /// The issuer found in a HAProxy `.issuer` file.
    package var issuerInIssuerFile: Certificate?
    /// The issuer found in the site's trust bundle.
    package var issuerInBundle: Certificate?
    /// Whether the chain and the trust bundle lead to a root the bundle holds; nil without a bundle.
    package var reachesTrustedRoot: Bool?
    package var staple: StapleFacts?

    /// The issuer wherever it was found: chain, `.issuer` file, trust bundle.
    package var issuer: Certificate? { issuerInChain ?? issuerInIssuerFile ?? issuerInBundle }
}

/// What a staple file (`ssl_stapling_file`, HAProxy `.ocsp`) holds.
package struct StapleFacts: Sendable {
    package var file: Located<String>
    /// Missing or unreadable file.
    package var problem: FileProblem?
    /// Why the bytes are not one DER OCSPResponse with a basic response, when they are not.
    package var decodeError: String?
    /// A response status other than successful (e.g. tryLater).
    package var responderStatus: OCSPResponseStatus?
    /// Every SingleResponse in the response.
    package var responses: [SingleResponse] = []
    /// The SingleResponse for the leaf: same serial and, when the issuer is known, same issuer hashes.
    package var matching: SingleResponse?
    /// The verifier's full verdict, when the issuer is known.
    package var verification: OCSPVerification?
}

/// Everything a rule sees about one site: the site, what its files hold, the time and earlier findings.
package struct SiteContext: Sendable {
    package var site: TLSSite
    package var slots: [SlotFacts]
    /// The trust bundle's certificates (empty when there is none or it is unusable).
    package var trustBundle: [Certificate]
    package var trustBundleProblem: FileProblem?
    /// Certificates in the trust directory under names OpenSSL does not look up (not `HASH.N`).
    package var unhashedInTrustDirectory: [Certificate] = []
    /// The time expiry is judged at (`--at`).
    package var now: Date
    /// Findings of the rules that ran before (read by rules that judge the whole site).
    package var findingsSoFar: [Finding] = []

    package init(
        site: TLSSite, slots: [SlotFacts], trustBundle: [Certificate], trustBundleProblem: FileProblem?, now: Date
    ) {
        self.site = site
        self.slots = slots
        self.trustBundle = trustBundle
        self.trustBundleProblem = trustBundleProblem
        self.now = now
    }

    /// Whether the server is configured to staple at all.
    package var staplingEnabled: Bool { site.staplingEnabled != nil }

    /// Whether `chain` plus `bundle` lead from `certificate` to a self-signed root held in `bundle`.
    ///
    /// `isIssued(child, parent)` decides each link (names chain and the signature verifies); the
    /// analyzer passes a memoized one, since thousands of sites share the same intermediates.
    package static func reachesRoot(
        from certificate: Certificate, through chain: [Certificate], bundle: [Certificate],
        isIssued: (Certificate, Certificate) -> Bool = { $0.isIssued(by: $1) }
    ) -> Bool {
        var current = certificate
        let candidates = chain + bundle
        // Ten links: real chains have two or three; a loop of cross-signed certificates must end.
        for _ in 0..<10 {
            if isIssued(current, current) { return bundle.contains(current) }
            guard let next = candidates.first(where: { $0 != current && isIssued(current, $0) }) else { return false }
            if bundle.contains(next) && isIssued(next, next) { return true }
            current = next
        }
        return false
    }
}
