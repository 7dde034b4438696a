/// Turns an nginx tree into TLS sites: one per `server` block of `http` that terminates TLS or
/// carries stapling directives, with `ssl_*` and `resolver*` directives inherited from `http`;
/// and one per TLS `server` of `stream`, which cannot staple. The main context's directives (`pid`,
/// `worker_processes`, ...) are every site's ``TLSSite/serverWide``.
enum NginxSiteBuilder {
    /// Directives a `server` inherits from `http` when it does not set them itself.
    static func isInherited(_ name: String) -> Bool {
        name.hasPrefix("ssl_") || name == "ssl" || name.hasPrefix("resolver")
    }

    static func sites(in tree: [NginxNode], prefix: String) -> [TLSSite] {
        var sites: [TLSSite] = []
        let main = settings(of: tree.filter { $0.block == nil })
        for context in tree where context.directive.name == "http" || context.directive.name == "stream" {
            let block = context.block ?? []
            let inherited = settings(of: block.filter { $0.block == nil && isInherited($0.directive.name) })
            for server in block where server.directive.name == "server" && server.block != nil {
                guard var site = site(server, inherited: inherited, prefix: prefix) else { continue }
                site.serverWide = main
                if context.directive.name == "stream" {
                    // ngx_stream_ssl_module has no stapling: nginx -t refuses ssl_stapling there.
                    guard site.tls != nil else { continue }
                    site.name = "stream " + site.name
                    site.canStaple = false
                    site.staplingEnabled = nil
                }
                sites.append(site)
            }
        }
        return sites
    }

    private static func settings(of nodes: [NginxNode]) -> [String: [Directive]] {
        var settings: [String: [Directive]] = [:]
        for node in nodes { settings[node.directive.name.lowercased(), default: []].append(node.directive) }
        return settings
    }

    private static func site(_ server: NginxNode, inherited: [String: [Directive]], prefix: String) -> TLSSite? {
        let own = settings(of: (server.block ?? []).filter { $0.block == nil })
        // A server's own directive replaces the inherited one entirely (arrays such as
        // ssl_certificate included), as nginx's merge does.
        var effective = inherited
        for (name, directives) in own { effective[name] = directives }

        let listenTLS = own["listen"]?.first { $0.arguments.dropFirst().contains("ssl") }
        let sslOn = effective["ssl"]?.last.flatMap { $0.isOn ? $0 : nil }
        let tls = (listenTLS ?? sslOn)?.location
        let ownStapling = own.keys.contains { $0.hasPrefix("ssl_stapling") }
        guard tls != nil || ownStapling else { return nil }

        let serverName = own["server_name"]?.first?.arguments.first { !$0.isEmpty && $0 != "_" && $0 != "\"\"" }
        let listen = own["listen"]?.first?.value
        let name = "server " + (serverName ?? (listen.map { "listening on \($0)" } ?? "(unnamed)"))

        func path(_ directive: Directive) -> Located<String> {
            Located(PathResolution.resolve(directive.value, against: prefix), at: directive.location)
        }
        let stapleFile = effective["ssl_stapling_file"]?.last.map(path)
        let keys = effective["ssl_certificate_key"] ?? []
        var slots: [CertificateSlot] = []
        for (index, certificate) in (effective["ssl_certificate"] ?? []).enumerated() where !certificate.value.isEmpty {
            // Certificates named through variables are loaded per handshake, and `data:` ones are inline;
            // neither can be checked here.
            guard !certificate.value.contains("$"), !certificate.value.hasPrefix("data:") else { continue }
            let keyValue = index < keys.count ? keys[index].value : "$"
            let key = keyValue.contains("$") || keyValue.hasPrefix("data:") ? nil : path(keys[index])
            slots.append(CertificateSlot(certificate: path(certificate), key: key, stapleFile: stapleFile))
        }
        let stapling = effective["ssl_stapling"]?.last
        return TLSSite(
            server: .nginx, name: name, location: server.directive.location, tls: tls, certificates: slots,
            trustBundle: effective["ssl_trusted_certificate"]?.last.map(path),
            staplingEnabled: stapling?.isOn == true ? stapling?.location : nil,
            settings: effective, ownSettings: Set(own.keys)
        )
    }
}
