import Foundation
import Stapling
import X509

/// What an output is asked to install for one site: the staple for the certificate now in the
/// site's chain file, or nil when no good staple can be had (revoked, expired, about to expire with
/// nothing newer) and what is installed must go.
package struct SiteStaple: Sendable {
    package var site: String
    /// The leaf now in the chain file, and its issuer.
    package var certificate: Certificate
    package var issuer: Certificate
    /// Whether the chain file itself holds the issuer (HAProxy then needs no `.issuer` file).
    package var chainHasIssuer: Bool
    /// A verified good response for ``certificate`` (only ``StapleJudgement`` makes one); nil: withdraw.
    package var staple: Staple?

    package init(site: String, certificate: Certificate, issuer: Certificate, chainHasIssuer: Bool, staple: Staple?) {
        self.site = site
        self.certificate = certificate
        self.issuer = issuer
        self.chainHasIssuer = chainHasIssuer
        self.staple = staple
    }
}

/// What an output did with a ``SiteStaple``.
package enum OutputOutcome: Sendable, Hashable {
    /// The staple is in place (written, pushed, or scheduled for the next debounced reload).
    case installed
    /// What is in place already holds these bytes: nothing was written, nothing reloaded.
    case unchanged
    /// The staple was removed, so that clients get none rather than a bad one.
    case withdrawn
    /// The output will not install it (for example HAProxy would never staple it); the reason says why.
    case refused(reason: String)
}

/// Where `staple run` puts a site's staple: nginx's staple file and a reload, HAProxy's `.ocsp` file
/// and runtime API, a plain directory. One value per site and kind; outputs that share work (one
/// debounced nginx reload for many sites) share an actor behind them.
package protocol StapleOutput: Sendable {
    /// `nginx /etc/nginx/staples/www.der`, `haproxy /etc/haproxy/certs/www.pem`: for logs.
    var description: String { get }
    /// A stable label for metrics: `nginx`, `haproxy`, `directory`.
    var kind: String { get }
    /// Installs (or, when `update.staple` is nil, withdraws) the site's staple. Never leaves a
    /// partial file: a file this throws about stays byte-identical. An output with several steps may
    /// throw after completing some (HAProxy: `.ocsp` written for the next start, then the runtime
    /// push refused; nginx: the staple file written, the reload failing later in ``flush()``).
    func install(_ update: SiteStaple) async throws -> OutputOutcome
    /// Completes deferred work (a debounced reload and its confirmation) before returning; for
    /// `--once`, `--renewed` and shutdown.
    func flush() async throws
}
