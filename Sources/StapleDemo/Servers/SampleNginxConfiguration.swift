/// The nginx configuration `staple lint` is shown on: the classic stapling mistakes, one `server {}`
/// each, over the demo's real certificates and staple files. `nginx -t` accepts every one of them.
package enum SampleNginxConfiguration {
    /// The findings the sample must produce, by rule id.
    package static let expectedRules: Set<String> = [
        "nginx-resolver-missing", "nginx-verify-without-trust", "chain-missing-issuer", "must-staple-not-stapled",
        "staple-file-expired", "staple-file-wrong-certificate",
    ]

    /// The text, with the PKI's paths and the two bad staple files filled in.
    package static func text(pki: DemoPKI, expiredStaple: String, foreignStaple: String) -> String {
        """
        # staple demo: a sample nginx configuration with the classic OCSP stapling mistakes.
        # `nginx -t` accepts all of it; `staple lint` says what is wrong with each server.
        events {}
        http {
            # 1. The responder is named by host name and there is no `resolver`: nginx cannot
            #    fetch. And `ssl_stapling_verify on` without `ssl_trusted_certificate`: the answers
            #    of a delegated responder (this PKI has one) never verify, so nothing is stapled.
            server {
                listen 127.0.0.1:8443 ssl;
                server_name \(pki.site.name);
                ssl_certificate \(pki.site.chainPath);
                ssl_certificate_key \(pki.site.keyPath);
                ssl_stapling on;
                ssl_stapling_verify on;
                ssl_stapling_responder http://ocsp.staple.test/;
            }

            # 2. The leaf alone, without its issuer: nginx needs the issuer to staple.
            server {
                listen 127.0.0.1:8444 ssl;
                server_name \(pki.other.name);
                ssl_certificate \(pki.other.certificatePath);
                ssl_certificate_key \(pki.other.keyPath);
                ssl_stapling on;
            }

            # 3. A Must-Staple certificate with stapling off: clients that honour it refuse the site.
            server {
                listen 127.0.0.1:8445 ssl;
                server_name \(pki.mustStaple.name);
                ssl_certificate \(pki.mustStaple.chainPath);
                ssl_certificate_key \(pki.mustStaple.keyPath);
                ssl_stapling off;
            }

            # 4. A staple file nobody refreshes: its nextUpdate passed a day ago.
            server {
                listen 127.0.0.1:8446 ssl;
                server_name expired.\(pki.site.name);
                ssl_certificate \(pki.site.chainPath);
                ssl_certificate_key \(pki.site.keyPath);
                ssl_stapling on;
                ssl_stapling_file \(expiredStaple);
            }

            # 5. A staple file for another certificate (left over from before a renewal, or copied).
            server {
                listen 127.0.0.1:8447 ssl;
                server_name foreign.\(pki.other.name);
                ssl_certificate \(pki.other.chainPath);
                ssl_certificate_key \(pki.other.keyPath);
                ssl_stapling on;
                ssl_stapling_file \(foreignStaple);
            }
        }

        """
    }
}
