/// Turns HAProxy sections into TLS sites: one per `frontend` or `listen` with a `bind ... ssl`,
/// its certificates from `crt FILE|DIR` and `crt-list FILE`, and the `.key`, `.ocsp` and
/// `.issuer` side files HAProxy loads next to each certificate (`<crt>.ocsp` etc.).
struct HAProxySiteBuilder {
    /// Side files HAProxy never loads as certificates when it reads a `crt` directory.
    static let sideExtensions = [".key", ".ocsp", ".issuer", ".sctl"]

    let configDirectory: String
    var reader: ConfigReader

    mutating func sites(in sections: [HAProxySection]) throws(LintError) -> [TLSSite] {
        let global = sections.first { $0.header.name.lowercased() == "global" }
        var serverWide: [String: [Directive]] = [:]
        for directive in global?.lines ?? [] { serverWide[directive.name.lowercased(), default: []].append(directive) }
        let crtBase =
            serverWide["crt-base"]?.last.map { PathResolution.resolve($0.value, against: configDirectory) }
            ?? configDirectory
        let caBase =
            serverWide["ca-base"]?.last.map { PathResolution.resolve($0.value, against: configDirectory) }
            ?? configDirectory

        let stores = crtStores(sections, crtBase: crtBase)
        if let first = sections.first(where: { $0.header.name.lowercased() == "crt-store" }) {
            // Marks the configuration as HAProxy 3.0 or later for the version-dependent rules.
            serverWide["crt-store", default: []].append(first.header)
        }

        var sites: [TLSSite] = []
        for section in sections where ["frontend", "listen"].contains(section.header.name.lowercased()) {
            var slots: [CertificateSlot] = []
            var settings: [String: [Directive]] = [:]
            var tls: SourceLocation?
            var trust: Located<String>?
            for line in section.lines {
                settings[line.name.lowercased(), default: []].append(line)
                guard line.name.lowercased() == "bind", line.arguments.contains("ssl") else { continue }
                tls = tls ?? line.location
                var arguments = line.arguments[...]
                while let word = arguments.popFirst() {
                    switch word {
                    case "crt":
                        guard let path = arguments.popFirst() else { break }
                        if path.hasPrefix("@") {
                            // A crt-store certificate: `@store/alias-or-crt` (`@/...` for the unnamed store).
                            slots.append(stores[path] ?? CertificateSlot(certificate: Located(path, at: line.location)))
                        } else {
                            slots += certificates(PathResolution.resolve(path, against: crtBase), at: line.location)
                        }
                    case "crt-list":
                        guard let path = arguments.popFirst() else { break }
                        slots += try crtList(
                            PathResolution.resolve(path, against: configDirectory), crtBase: crtBase,
                            from: line.location, settings: &settings)
                    case "ca-file":
                        guard let path = arguments.popFirst() else { break }
                        trust = Located(PathResolution.resolve(path, against: caBase), at: line.location)
                    default:
                        break
                    }
                }
            }
            guard tls != nil else { continue }
            let name = "\(section.header.name) \(section.header.value)"
            sites.append(
                TLSSite(
                    server: .haproxy, name: name, location: section.header.location, tls: tls, certificates: slots,
                    trustBundle: trust, staplingEnabled: slots.first { $0.stapleFile != nil }?.stapleFile?.location,
                    settings: settings, ownSettings: Set(settings.keys), serverWide: serverWide
                ))
        }
        return sites
    }

    /// The key-type suffixes of a multi-certificate bundle: `crt site.pem` with no `site.pem` loads
    /// `site.pem.rsa`, `site.pem.ecdsa` and `site.pem.dsa`, each with its own side files
    /// (`site.pem.rsa.ocsp`, ...), as `ssl-load-extra-files` (default `all`) says.
    static let bundleExtensions = [".rsa", ".ecdsa", ".dsa"]

    /// The certificates of a `crt` argument: the file, the members of a bundle, or every certificate
    /// file in the directory.
    private func certificates(_ path: String, at location: SourceLocation) -> [CertificateSlot] {
        guard BoundedFile.isDirectory(path) else {
            let members =
                BoundedFile.exists(path) ? [] : Self.bundleExtensions.map { path + $0 }.filter(BoundedFile.exists)
            return members.isEmpty ? [slot(path, at: location)] : members.map { slot($0, at: location) }
        }
        return BoundedFile.directoryEntries(path)
            .filter { entry in !Self.sideExtensions.contains { entry.hasSuffix($0) } && !BoundedFile.isDirectory(entry)
            }
            .map { slot($0, at: location) }
    }

    private func slot(_ path: String, at location: SourceLocation) -> CertificateSlot {
        func side(_ ext: String) -> Located<String>? {
            BoundedFile.exists(path + ext) ? Located(path + ext, at: location) : nil
        }
        return CertificateSlot(
            certificate: Located(path, at: location), key: side(".key"), stapleFile: side(".ocsp"),
            issuerFile: side(".issuer"))
    }

    /// HAProxy 3.x `crt-store [NAME]` sections: each `load crt FILE [key F] [ocsp F] [issuer F]
    /// [alias A] [ocsp-update on|off]` line, by the names a `bind ... crt` uses: `@NAME/ALIAS` and
    /// `@NAME/FILE`. Files are relative to the store's `crt-base` (`key-base` for keys), else the
    /// global one; side files not named are looked for next to the certificate, as for `crt`.
    private func crtStores(_ sections: [HAProxySection], crtBase: String) -> [String: CertificateSlot] {
        var stores: [String: CertificateSlot] = [:]
        for section in sections where section.header.name.lowercased() == "crt-store" {
            let name = section.header.value
            var base = crtBase
            var keyBase: String?
            for line in section.lines {
                switch line.name.lowercased() {
                case "crt-base": base = PathResolution.resolve(line.value, against: configDirectory)
                case "key-base": keyBase = PathResolution.resolve(line.value, against: configDirectory)
                case "load":
                    var options: [String: String] = [:]
                    var arguments = line.arguments[...]
                    while let option = arguments.popFirst() {
                        if let value = arguments.popFirst() { options[option.lowercased()] = value }
                    }
                    guard let crt = options["crt"] else { continue }
                    let path = PathResolution.resolve(crt, against: base)
                    var slot = self.slot(path, at: line.location)
                    func file(_ option: String, against directory: String) -> Located<String>? {
                        options[option].map {
                            Located(PathResolution.resolve($0, against: directory), at: line.location)
                        }
                    }
                    slot.key = file("key", against: keyBase ?? base) ?? slot.key
                    slot.stapleFile = file("ocsp", against: base) ?? slot.stapleFile
                    slot.issuerFile = file("issuer", against: base) ?? slot.issuerFile
                    if let update = options["ocsp-update"] {
                        slot.ocspUpdate = Directive(name: "ocsp-update", arguments: [update], location: line.location)
                    }
                    stores["@\(name)/\(crt)"] = slot
                    if let alias = options["alias"] { stores["@\(name)/\(alias)"] = slot }
                default:
                    break
                }
            }
        }
        return stores
    }

    private mutating func crtList(
        _ path: String, crtBase: String, from: SourceLocation, settings: inout [String: [Directive]]
    ) throws(LintError) -> [CertificateSlot] {
        let bytes = try reader.enter(path, from: from)
        defer { reader.leave() }
        var slots: [CertificateSlot] = []
        for entry in try HAProxyParser.crtList(bytes, file: path) {
            var update: Directive?
            if let index = entry.options.firstIndex(of: "ocsp-update") {
                let value = index + 1 < entry.options.count ? entry.options[index + 1] : ""
                update = Directive(name: "ocsp-update", arguments: [value], location: entry.location)
                settings["ocsp-update", default: []].append(update!)
            }
            slots += certificates(PathResolution.resolve(entry.path, against: crtBase), at: entry.location).map {
                var slot = $0
                slot.ocspUpdate = update
                return slot
            }
        }
        return slots
    }
}
