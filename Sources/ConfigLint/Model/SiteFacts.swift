import Foundation
import OCSPCore
import X509

/// What the files of one certificate slot hold, loaded and judged once for all rules.
public struct SlotFacts: Sendable {
    public var slot: CertificateSlot
    /// The certificate file's certificates, leaf first, then those of a separate chain file.
    public var chain: [Certificate]
    public var leaf: Certificate? { chain.first }
    /// How many of ``chain`` come from the certificate file (the rest from the chain file).
    public var certificateFileCount = 0
    /// Files named for this slot that could not be used.
    public var problems: [FileProblem]
    /// Whether the private key belongs to the certificate; nil when there is no key to compare.
    public var keyMatches: Bool?
    /// Where the key was found (key file, or the certificate file for HAProxy).
    public var keyLocation: Located<String>?
    /// The issuer of the leaf found in the certificate file or chain file.
    public var issuerInChain: Certificate?
    /// The issuer found in a HAProxy `.issuer` file.
    public var issuerInIssuerFile: Certificate?
    /// The issuer found in the site's trust bundle.
    public var issuerInBundle: Certificate?
    /// Whether the chain and the trust bundle lead to a root the bundle holds; nil without a bundle.
    public var reachesTrustedRoot: Bool?
    public var staple: StapleFacts?

    /// The issuer wherever it was found: chain, `.issuer` file, trust bundle.
    public var issuer: Certificate? { issuerInChain ?? issuerInIssuerFile ?? issuerInBundle }
}

/// What a staple file (`ssl_stapling_file`, HAProxy `.ocsp`) holds.
public struct StapleFacts: Sendable {
    public var file: Located<String>
    /// Missing or unreadable file.
    public var problem: FileProblem?
    /// Why the bytes are not one DER OCSPResponse with a basic response, when they are not.
    public var decodeError: String?
    /// A response status other than successful (e.g. tryLater).
    public var responderStatus: OCSPResponseStatus?
    /// Every SingleResponse in the response.
    public var responses: [SingleResponse] = []
    /// The SingleResponse for the leaf: same serial and, when the issuer is known, same issuer hashes.
    public var matching: SingleResponse?
    /// The verifier's full verdict, when the issuer is known.
    public var verification: OCSPVerification?
}

/// Everything a rule sees about one site: the site, what its files hold, the time and earlier findings.
public struct SiteContext: Sendable {
    public var site: TLSSite
    public var slots: [SlotFacts]
    /// The trust bundle's certificates (empty when there is none or it is unusable).
    public var trustBundle: [Certificate]
    public var trustBundleProblem: FileProblem?
    /// Certificates in the trust directory under names OpenSSL does not look up (not `HASH.N`).
    public var unhashedInTrustDirectory: [Certificate] = []
    /// The time expiry is judged at (`--at`).
    public var now: Date
    /// Findings of the rules that ran before (read by rules that judge the whole site).
    public var findingsSoFar: [Finding] = []

    public init(
        site: TLSSite, slots: [SlotFacts], trustBundle: [Certificate], trustBundleProblem: FileProblem?, now: Date
    ) {
        self.site = site
        self.slots = slots
        self.trustBundle = trustBundle
        self.trustBundleProblem = trustBundleProblem
        self.now = now
    }

    /// Whether the server is configured to staple at all.
    public var staplingEnabled: Bool { site.staplingEnabled != nil }

    /// Whether `chain` plus `bundle` lead from `certificate` to a self-signed root held in `bundle`.
    ///
    /// `isIssued(child, parent)` decides each link (names chain and the signature verifies); the
    /// analyzer passes a memoized one, since thousands of sites share the same intermediates.
    public static func reachesRoot(
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
