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
                        slots += certificates(PathResolution.resolve(path, against: crtBase), at: line.location)
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

    /// The certificates of a `crt` argument: the file, or every certificate file in the directory.
    private func certificates(_ path: String, at location: SourceLocation) -> [CertificateSlot] {
        guard BoundedFile.isDirectory(path) else { return [slot(path, at: location)] }
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

    private mutating func crtList(
        _ path: String, crtBase: String, from: SourceLocation, settings: inout [String: [Directive]]
    ) throws(LintError) -> [CertificateSlot] {
        let bytes = try reader.enter(path, from: from)
        defer { reader.leave() }
        var slots: [CertificateSlot] = []
        for entry in try HAProxyParser.crtList(bytes, file: path) {
            if let index = entry.options.firstIndex(of: "ocsp-update") {
                let value = index + 1 < entry.options.count ? entry.options[index + 1] : ""
                settings["ocsp-update", default: []].append(
                    Directive(name: "ocsp-update", arguments: [value], location: entry.location))
            }
            slots += certificates(PathResolution.resolve(entry.path, against: crtBase), at: entry.location)
        }
        return slots
    }
}
