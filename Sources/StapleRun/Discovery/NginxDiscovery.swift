import ConfigLint

/// nginx discovery: every TLS `server{}` of `http` whose `ssl_stapling_file` staple run can write
/// becomes a site; the others that staple (or share a staple file) become notes.
///
/// - A site's name is its first `server_name` (made a valid site name), else `<file>-<line>`; names
///   are made unique with `-2`, `-3`.
/// - Its certificate is the first `ssl_certificate`. A `server{}` with several certificates and one
///   `ssl_stapling_file` is managed for the first certificate, with a note: one file cannot be right
///   for two certificates, and keeping it right for one beats leaving it stale for both.
/// - nginx is reloaded through the `pid` file when the configuration sets `pid`, else with
///   `nginx -s reload`; the confirming handshake goes to the first `listen ... ssl` (127.0.0.1 for a
///   wildcard) with the `server_name` as SNI.
/// - A staple file already managed for another certificate is not managed twice (a note says so).
struct NginxDiscovery {
    let stateDirectory: String

    func discover(_ parsed: ParsedConfiguration) -> Discovery {
        var sites: [SiteConfiguration] = []
        var notes: [String] = []
        var names: Set<String> = []
        /// The site that manages each staple file, and its certificate.
        var owners: [String: (site: String, certificate: String)] = [:]
        for site in parsed.sites where site.tls != nil && site.canStaple {
            let serverName = site.setting("server_name")?.arguments.first { !$0.isEmpty && $0 != "_" && $0 != "\"\"" }
            let fallback =
                "\(site.location.file.split(separator: "/").last.map(String.init) ?? "nginx")-\(site.location.line)"
            let name = SiteName.unique(
                serverName.flatMap(SiteName.sanitized) ?? SiteName.sanitized(fallback) ?? "nginx", among: names)
            guard
                let stapleFile = site.certificates.first?.stapleFile
                    ?? site.setting("ssl_stapling_file").map({
                        Located($0.value, at: $0.location)
                    })
            else {
                if let enabled = site.staplingEnabled {
                    notes.append(
                        "\(site.location): \(site.name) has `ssl_stapling on` (\(enabled)) and no `ssl_stapling_file`, so nginx fetches "
                            + "lazily, per worker (the first handshakes get no staple); to have staple run manage it, add "
                            + "`ssl_stapling_file \(stateDirectory)/nginx/\(name).der;` to this server{} (staple run "
                            + "writes the file, then reloads nginx)")
                }
                continue
            }
            guard let first = site.certificates.first else {
                notes.append(
                    "\(stapleFile.location): \(site.name) has an `ssl_stapling_file` but no certificate staple run can "
                        + "read (given through a variable or `data:`): not managed")
                continue
            }
            let staplePath = ConfigurationPath.absolute(stapleFile.value)
            let certificate = ConfigurationPath.absolute(first.certificate.value)
            if let owner = owners[staplePath] {
                if owner.certificate != certificate {
                    notes.append(
                        "\(stapleFile.location): \(site.name) uses the staple file \(staplePath) of site `\(owner.site)`, "
                            + "which holds the response for another certificate (\(owner.certificate)): one file cannot be "
                            + "right for both; give this server{} its own `ssl_stapling_file` (not managed for \(certificate))"
                    )
                }
                continue
            }
            if site.certificates.count > 1 {
                let all = site.certificates.map { ConfigurationPath.absolute($0.certificate.value) }
                notes.append(
                    "\(stapleFile.location): \(site.name) has \(all.count) certificates (\(all.joined(separator: ", "))) "
                        + "and one `ssl_stapling_file`, which nginx staples for all of them: it cannot be right for both; "
                        + "managed for the first certificate only. Use one server{} per certificate, or `staple serve`")
            }
            let reload: NginxOutputConfiguration.Reload =
                site.serverWideSetting("pid").map {
                    .pidFile(ConfigurationPath.resolve($0.value, against: ConfigurationPath.directory(of: parsed.path)))
                } ?? .command("nginx -s reload")
            let listens = (site.settings["listen"] ?? []).map(\.arguments)
            let sni = serverName.flatMap { name in
                name.contains(where: { "*~$\\".contains($0) }) || name.hasPrefix(".") ? nil : name
            }
            names.insert(name)
            owners[staplePath] = (name, certificate)
            sites.append(
                SiteConfiguration(
                    name: name, certificate: certificate,
                    nginx: NginxOutputConfiguration(
                        stapleFile: staplePath, reload: reload,
                        confirm: NginxListen.confirmAddress(listens)?.description, serverName: sni),
                    origin: site.location.description))
        }
        if sites.isEmpty {
            notes.append(
                "\(parsed.path): no TLS server{} with an `ssl_stapling_file`: nothing for staple run to manage")
        }
        return Discovery(
            configuration: RunConfiguration(stateDirectory: stateDirectory, sites: sites), notes: notes)
    }
}
