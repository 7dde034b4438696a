import Foundation
import OCSPCore
import X509

/// Where the leaf's issuer was found.
package enum IssuerSource: String, Sendable, Hashable {
    /// In the chain the server sent.
    case chain
    /// Only among the trust anchors (the system store, `--ca-file`): the server does not send it.
    case anchors
    /// Nowhere: no client can check a staple.
    case missing
}

/// Whether the chain sent leads to a trust anchor.
package enum ChainTrust: Sendable, Hashable {
    /// It does; the anchor's subject.
    case trusted(anchor: String)
    /// It does not; the subject of the last certificate reached, and why.
    case untrusted(top: String, reason: String)
}

/// One distinct staple seen for a deployment, and what the verifier said about it.
package struct StapleEvidence: Sendable {
    /// The bytes as received.
    package var bytes: [UInt8]
    /// The verifier's answer; nil when there is no issuer to verify against.
    package var verification: OCSPVerification?
    /// The handshake numbers that carried these bytes.
    package var handshakes: [Int]

    package init(bytes: [UInt8], verification: OCSPVerification?, handshakes: [Int]) {
        self.bytes = bytes
        self.verification = verification
        self.handshakes = handshakes
    }
}

/// What the certificate's responder said when asked directly (`--fetch`).
package enum ResponderEvidence: Sendable {
    /// It answered; the URL and the verified answer.
    case answered(url: String, verification: OCSPVerification)
    /// It could not be asked or did not answer; why.
    case failed(reason: String)
}

/// Everything observed about one deployment (one certificate the server offers for the name): the
/// input of ``DeploymentJudge``.
package struct DeploymentEvidence: Sendable {
    package var leaf: Certificate
    /// The certificates sent after the leaf, in order.
    package var chainSent: [Certificate]
    package var issuer: Certificate?
    package var issuerSource: IssuerSource
    package var trust: ChainTrust
    /// The handshakes that offered this deployment's signature algorithms, in order, failed ones included.
    package var handshakes: [HandshakeRecord]
    /// The distinct staples, in the order first seen.
    package var staples: [StapleEvidence]
    /// The responder's own answer, when `--fetch` asked for it.
    package var responder: ResponderEvidence?

    package init(
        leaf: Certificate, chainSent: [Certificate], issuer: Certificate?, issuerSource: IssuerSource,
        trust: ChainTrust, handshakes: [HandshakeRecord], staples: [StapleEvidence], responder: ResponderEvidence? = nil
    ) {
        self.leaf = leaf
        self.chainSent = chainSent
        self.issuer = issuer
        self.issuerSource = issuerSource
        self.trust = trust
        self.handshakes = handshakes
        self.staples = staples
        self.responder = responder
    }

    /// The handshakes that completed with this deployment's certificate.
    package var completed: [HandshakeRecord] {
        handshakes.filter { $0.observed != nil }
    }
}
