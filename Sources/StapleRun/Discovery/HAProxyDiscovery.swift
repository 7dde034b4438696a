import ConfigLint

/// HAProxy discovery: every certificate of a `bind ... ssl` (`crt FILE`, each file of a `crt DIR`,
/// crt-list entries) becomes a site with `haproxy: crt:`, all with the first `stats socket ... level
/// admin` of `global` as the runtime API.
///
/// - A site's name is the certificate file's name without `.pem`/`.crt`, made unique with `-2`, `-3`.
/// - A certificate named by several `bind` lines is one site.
/// - `<crt>.issuer`, when HAProxy has one, becomes the site's `issuer:`.
struct HAProxyDiscovery {
    let stateDirectory: String

    func discover(_ parsed: ParsedConfiguration) -> Discovery {
        let configDirectory = ConfigurationPath.directory(of: parsed.path)
        let stats = parsed.sites.first?.serverWide["stats"] ?? []
        var (socket, notes) = HAProxyStatsSocket.find(in: stats, configDirectory: configDirectory)
        var sites: [SiteConfiguration] = []
        var names: Set<String> = []
        var seen: Set<String> = []
        for site in parsed.sites {
            for slot in site.certificates {
                let written = slot.certificate.value
                guard !written.hasPrefix("@") else {
                    notes.append(
                        "\(slot.certificate.location): `crt \(written)` names a crt-store entry not found: not managed")
                    continue
                }
                let crt = ConfigurationPath.absolute(written)
                guard seen.insert(crt).inserted else { continue }
                if let update = slot.ocspUpdate, update.value.lowercased() == "on" {
                    notes.append(
                        "\(update.location): \(crt) has `ocsp-update on`: HAProxy fetches its own responses too; "
                            + "turn it off to let staple run alone decide what is stapled")
                }
                var base = crt.split(separator: "/").last.map(String.init) ?? "haproxy"
                for suffix in [".pem", ".crt"] where base.hasSuffix(suffix) {
                    base = String(base.dropLast(suffix.count))
                }
                let name = SiteName.unique(SiteName.sanitized(base) ?? "haproxy", among: names)
                names.insert(name)
                sites.append(
                    SiteConfiguration(
                        name: name, certificate: crt,
                        issuer: slot.issuerFile.map { ConfigurationPath.absolute($0.value) },
                        haproxy: HAProxyOutputConfiguration(crt: crt, socket: socket),
                        origin: slot.certificate.location.description))
            }
        }
        if sites.isEmpty {
            notes.append("\(parsed.path): no `bind ... ssl` with a `crt`: nothing for staple run to manage")
            socket = nil
        }
        return Discovery(configuration: RunConfiguration(stateDirectory: stateDirectory, sites: sites), notes: notes)
    }
}
