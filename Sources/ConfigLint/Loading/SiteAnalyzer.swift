import Foundation
import OCSPCore
import X509

/// Loads a site's files and works out the facts rules judge: chains, issuers, keys, staples.
struct SiteAnalyzer {
    let store: MaterialStore
    let now: Date

    func context(for site: TLSSite) -> SiteContext {
        var bundle: [Certificate] = []
        var bundleProblem: FileProblem?
        if let trust = site.trustBundle {
            switch store.certificates(trust) {
            case .success(let certificates): bundle = certificates
            case .failure(let problem): bundleProblem = problem
            }
        }
        var unhashed: [Certificate] = []
        if let directory = site.trustDirectory {
            if !BoundedFile.isDirectory(directory.value) {
                bundleProblem =
                    bundleProblem
                    ?? FileProblem(path: directory.value, location: directory.location, reason: "is not a directory")
            } else {
                // OpenSSL looks certificates up by subject hash: HASH.0, HASH.1, ... (CRLs are HASH.rN).
                for entry in BoundedFile.directoryEntries(directory.value).prefix(Self.maximumTrustDirectoryEntries) {
                    guard case .success(let certificates) = store.certificates(Located(entry, at: directory.location))
                    else { continue }
                    if Self.isHashName((entry as NSString).lastPathComponent) {
                        bundle += certificates
                    } else {
                        unhashed += certificates
                    }
                }
            }
        }
        let slots = site.certificates.map { facts(for: $0, site: site, bundle: bundle) }
        var context = SiteContext(
            site: site, slots: slots, trustBundle: bundle, trustBundleProblem: bundleProblem, now: now)
        context.unhashedInTrustDirectory = unhashed
        return context
    }

    /// 1,000 entries: a system CA directory holds about 150 certificates and their links.
    static let maximumTrustDirectoryEntries = 1_000

    /// `8 hex digits . digits`: the names `c_rehash` and `openssl rehash` give certificates.
    static func isHashName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && parts[0].count == 8 && parts[0].allSatisfy(\.isHexDigit) && !parts[1].isEmpty
            && parts[1].allSatisfy(\.isNumber)
    }

    private func facts(for slot: CertificateSlot, site: TLSSite, bundle: [Certificate]) -> SlotFacts {
        var facts = SlotFacts(slot: slot, chain: [], problems: [])
        switch store.certificates(slot.certificate) {
        case .success(let certificates): facts.chain = certificates
        case .failure(let problem): facts.problems.append(problem)
        }
        facts.certificateFileCount = facts.chain.count
        if let chainFile = slot.chain {
            switch store.certificates(chainFile) {
            case .success(let certificates): facts.chain += certificates
            case .failure(let problem): facts.problems.append(problem)
            }
        }
        var issuerFileCertificates: [Certificate] = []
        if let issuerFile = slot.issuerFile {
            switch store.certificates(issuerFile) {
            case .success(let certificates): issuerFileCertificates = certificates
            case .failure(let problem): facts.problems.append(problem)
            }
        }
        guard let leaf = facts.leaf else { return facts }

        // The private key: the named key file, else (HAProxy, Apache) a key inside the certificate file.
        let keyFile = slot.key ?? (site.server == .nginx ? nil : slot.certificate)
        if let keyFile {
            switch store.publicKeyOfPrivateKey(keyFile) {
            case .success(let publicKey?):
                facts.keyMatches = publicKey == leaf.publicKey
                facts.keyLocation = keyFile
            case .success(nil):
                if slot.key != nil {
                    facts.problems.append(
                        FileProblem(path: keyFile.value, location: keyFile.location, reason: "holds no private key"))
                }
            case .failure(let problem):
                facts.problems.append(problem)
            }
        }

        let rest = Array(facts.chain.dropFirst())
        facts.issuerInChain = rest.first { $0 != leaf && store.isIssued(leaf, by: $0) }
        facts.issuerInIssuerFile = issuerFileCertificates.first { store.isIssued(leaf, by: $0) }
        facts.issuerInBundle = bundle.first { $0 != leaf && store.isIssued(leaf, by: $0) }
        if site.trustStore != nil {
            facts.reachesTrustedRoot = SiteContext.reachesRoot(from: leaf, through: rest, bundle: bundle) {
                store.isIssued($0, by: $1)
            }
        }
        if let stapleFile = slot.stapleFile {
            facts.staple = staple(stapleFile, leaf: leaf, issuer: facts.issuer, trusted: bundle)
        }
        return facts
    }

    private func staple(
        _ file: Located<String>, leaf: Certificate, issuer: Certificate?, trusted: [Certificate]
    )
        -> StapleFacts
    {
        var facts = StapleFacts(file: file)
        let bytes: [UInt8]
        switch store.bytes(file, limit: MaterialStore.maximumResponseSize) {
        case .success(let read): bytes = read
        case .failure(let problem):
            facts.problem = problem
            return facts
        }
        let basic: BasicOCSPResponse
        do {
            let response = try OCSPResponse(derBytes: bytes)
            guard response.status == .successful else {
                facts.responderStatus = response.status
                return facts
            }
            guard case .successful(let body) = response else {
                facts.decodeError = "successful status without a body"
                return facts
            }
            basic = try body.basicResponse()
        } catch {
            facts.decodeError = bytes.isEmpty ? "the file is empty" : "not a DER OCSP response (\(error))"
            return facts
        }
        facts.responses = basic.tbsResponseData.responses
        let serial = Array(leaf.serialNumber.bytes)
        facts.matching = facts.responses.first { single in
            if let issuer { return single.certID.matches(certificate: leaf, issuer: issuer) }
            return single.certID.serialNumber == serial
        }
        if let issuer {
            facts.verification = OCSPVerifier().verify(
                response: bytes, certificate: leaf, issuer: issuer, trustedResponders: [], now: now)
        }
        return facts
    }
}
