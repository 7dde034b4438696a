/// Turns an Apache tree into TLS sites: one per `<VirtualHost>` that terminates TLS or carries
/// stapling directives, with server-wide `SSL*` directives inherited.
///
/// `<IfModule mod>` and `<IfDefine name>` are taken as true (the linted modules are loaded),
/// their negations as false; other sections (`<Directory>`, `<Location>`, ...) hold no TLS site settings.
enum ApacheSiteBuilder {
    static func sites(in tree: [ApacheNode], serverRoot: String) -> [TLSSite] {
        var serverWide: [Directive] = []
        var hosts: [ApacheNode] = []
        collect(tree, directives: &serverWide, hosts: &hosts)
        let wide = group(serverWide)
        let inherited = wide.filter { $0.key.hasPrefix("ssl") }
        var sites = hosts.compactMap { site($0, inherited: inherited, serverWide: wide, serverRoot: serverRoot) }
        if let mainServer = mainServerSite(wide, serverRoot: serverRoot, location: tree.first?.directive.location) {
            sites.insert(mainServer, at: 0)
        }
        return sites
    }

    private static func isTrueConditional(_ node: ApacheNode) -> Bool? {
        switch node.directive.name.lowercased() {
        case "ifmodule", "ifdefine", "ifversion", "iffile", "ifdirective", "ifsection":
            return !node.directive.value.hasPrefix("!")
        default:
            return nil
        }
    }

    private static func collect(_ nodes: [ApacheNode], directives: inout [Directive], hosts: inout [ApacheNode]) {
        for node in nodes {
            guard let children = node.section else {
                directives.append(node.directive)
                continue
            }
            if let holds = isTrueConditional(node) {
                if holds { collect(children, directives: &directives, hosts: &hosts) }
            } else if node.directive.name.lowercased() == "virtualhost" {
                hosts.append(node)
            }
        }
    }

    private static func group(_ directives: [Directive]) -> [String: [Directive]] {
        var settings: [String: [Directive]] = [:]
        for directive in directives { settings[directive.name.lowercased(), default: []].append(directive) }
        return settings
    }

    private static func site(
        _ host: ApacheNode, inherited: [String: [Directive]], serverWide: [String: [Directive]], serverRoot: String
    ) -> TLSSite? {
        var ownDirectives: [Directive] = []
        var nested: [ApacheNode] = []
        collect(host.section ?? [], directives: &ownDirectives, hosts: &nested)
        let own = group(ownDirectives)
        var effective = inherited
        for (name, directives) in own { effective[name] = directives }
        let serverName = own["servername"]?.last?.value
        let name =
            "<VirtualHost \(host.directive.arguments.joined(separator: " "))>" + (serverName.map { " \($0)" } ?? "")
        let ownStapling = own.keys.contains { $0.hasPrefix("sslstapling") || $0 == "sslusestapling" }
        let engine = effective["sslengine"]?.last
        guard engine?.isOn == true || ownStapling else { return nil }
        return build(
            name: name, location: host.directive.location, tls: engine?.isOn == true ? engine?.location : nil,
            effective: effective, own: Set(own.keys), serverWide: serverWide, serverRoot: serverRoot
        )
    }

    /// The main server, when TLS is configured outside any virtual host.
    private static func mainServerSite(
        _ wide: [String: [Directive]], serverRoot: String, location: SourceLocation?
    )
        -> TLSSite?
    {
        guard let engine = wide["sslengine"]?.last, engine.isOn, wide["sslcertificatefile"] != nil else { return nil }
        let name = "main server" + (wide["servername"]?.last.map { " \($0.value)" } ?? "")
        return build(
            name: name, location: engine.location, tls: engine.location, effective: wide, own: Set(wide.keys),
            serverWide: wide, serverRoot: serverRoot
        )
    }

    private static func build(
        name: String, location: SourceLocation, tls: SourceLocation?, effective: [String: [Directive]],
        own: Set<String>,
        serverWide: [String: [Directive]], serverRoot: String
    ) -> TLSSite {
        func path(_ directive: Directive) -> Located<String> {
            Located(PathResolution.resolve(directive.value, against: serverRoot), at: directive.location)
        }
        let keys = effective["sslcertificatekeyfile"] ?? []
        let chain = effective["sslcertificatechainfile"]?.last.map(path)
        var slots: [CertificateSlot] = []
        for (index, certificate) in (effective["sslcertificatefile"] ?? []).enumerated()
        where !certificate.value.isEmpty {
            slots.append(
                CertificateSlot(
                    certificate: path(certificate), key: index < keys.count ? path(keys[index]) : nil, chain: chain))
        }
        let stapling = effective["sslusestapling"]?.last
        var site = TLSSite(
            server: .apache, name: name, location: location, tls: tls, certificates: slots,
            trustBundle: effective["sslcacertificatefile"]?.last.map(path),
            staplingEnabled: stapling?.isOn == true ? stapling?.location : nil,
            settings: effective, ownSettings: own, serverWide: serverWide
        )
        site.trustDirectory = effective["sslcacertificatepath"]?.last.map(path)
        return site
    }
}
