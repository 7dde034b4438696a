import OCSPCore
import X509

/// Where the leaf's issuer is and whether the chain sent leads to a trust anchor. Pure.
package enum ChainAnalysis {
    /// At most this many links are followed (a loop or an absurd chain ends there).
    static let maximumDepth = 10

    /// The issuer of `leaf` and where it was found: the chain sent first, then the anchors.
    package static func issuer(
        of leaf: Certificate, sent: [Certificate], anchors: [Certificate]
    ) -> (Certificate?, IssuerSource) {
        if let issuer = IssuerLookup.issuer(of: leaf, in: sent), issuer != leaf { return (issuer, .chain) }
        if let issuer = IssuerLookup.issuer(of: leaf, in: anchors), issuer != leaf { return (issuer, .anchors) }
        return (nil, .missing)
    }

    /// Follows issuers from `leaf` through `sent` until an anchor issues one of them (or is one).
    package static func trust(of leaf: Certificate, sent: [Certificate], anchors: [Certificate]) -> ChainTrust {
        var current = leaf
        for _ in 0..<maximumDepth {
            if anchors.contains(current) { return .trusted(anchor: "\(current.subject)") }
            if let anchor = anchors.first(where: { current.isIssued(by: $0) }) {
                return .trusted(anchor: "\(anchor.subject)")
            }
            guard let next = sent.first(where: { $0 != current && current.isIssued(by: $0) }) else {
                let reason =
                    current.isSelfSigned
                    ? "\(current.subject) is self-signed and not a trust anchor"
                    : "no certificate sent or trusted issued \(current.subject) (its issuer: \(current.issuer))"
                return .untrusted(top: "\(current.subject)", reason: reason)
            }
            current = next
        }
        return .untrusted(top: "\(current.subject)", reason: "more than \(maximumDepth) links")
    }
}
