/// The per-site include snippet staple run manages (`include_file`), so that a staple can be
/// withdrawn from nginx.
///
/// nginx refuses a reload whose `ssl_stapling_file` is missing or not DER, and staples any file it
/// loaded without looking at its times or certificate. An expired or revoked staple therefore
/// cannot be taken away by changing the file; it can by changing the lines that name it. The
/// `server{}` says `include /etc/nginx/staples/www.conf;` and staple run writes one of these texts.
package enum NginxSnippet {
    /// While a good staple is installed: stapling from the staple file.
    package static func stapling(file: String) -> String {
        "# Managed by staple run: a verified good OCSP response for this site.\n"
            + "ssl_stapling on;\nssl_stapling_file \(quoted(file));\n"
    }

    /// When no good staple can be had: clients get no staple rather than an expired or revoked one
    /// (and nginx does not fetch one itself).
    package static let withdrawn =
        "# Managed by staple run: no good OCSP response for this site now, so none is stapled.\n"
        + "ssl_stapling off;\n"

    /// A path as an nginx argument: quoted when it holds anything that would end or split it.
    static func quoted(_ path: String) -> String {
        let special: Set<Character> = [" ", "\t", ";", "{", "}", "\"", "'", "#", "$", "\\"]
        guard path.contains(where: { special.contains($0) }) else { return path }
        let escaped = path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }
}
