/// The private key does not belong to the certificate: the server refuses to start or fails handshakes.
struct KeyMismatchRule: LintRule {
    let id = "key-mismatch"
    let severity = Severity.error
    let anchors: Set<String> = Anchor.certificate.union(["ssl_certificate_key", "sslcertificatekeyfile"])
    let summary = "The private key does not match the certificate's public key"
    let fix =
        "Pair the certificate with the key it was issued for (compare `openssl x509 -pubkey` and `openssl pkey -pubout`)"

    func check(_ context: SiteContext) -> [Finding] {
        context.slots.compactMap { slot in
            guard slot.keyMatches == false, let key = slot.keyLocation, let leaf = slot.leaf else { return nil }
            return finding(
                key.location,
                "the private key in \(key.value) does not match the public key of \(leaf.subject) in \(slot.slot.certificate.value)",
                breaksStapling: true
            )
        }
    }
}
