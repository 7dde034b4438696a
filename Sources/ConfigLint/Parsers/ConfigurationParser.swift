/// Reads one configuration file (and what it includes) into the site model, whatever the server.
package enum ConfigurationParser {
    /// The usual main configuration files, read when `staple lint` is given no path.
    package static let defaultPaths = [
        "/etc/nginx/nginx.conf", "/etc/apache2/apache2.conf", "/etc/haproxy/haproxy.cfg",
    ]

    /// Parses `path` as a configuration for `server`, or for the server detected from its name and content.
    ///
    /// - Throws: ``LintError`` naming the file and line that could not be read or parsed.
    package static func parse(
        path: String, as server: ServerKind? = nil, limits: ReadLimits = ReadLimits()
    )
        throws(LintError) -> ParsedConfiguration
    {
        let kind: ServerKind
        if let server {
            kind = server
        } else {
            kind = try detect(path: path, limits: limits)
        }
        switch kind {
        case .nginx:
            var parser = NginxParser(mainFile: path, limits: limits)
            let tree = try parser.parse(file: path)
            return ParsedConfiguration(
                server: .nginx, path: path, sites: NginxSiteBuilder.sites(in: tree, prefix: parser.prefix),
                files: parser.files)
        case .apache:
            var parser = ApacheParser(mainFile: path, limits: limits)
            let tree = try parser.parse(file: path)
            return ParsedConfiguration(
                server: .apache, path: path, sites: ApacheSiteBuilder.sites(in: tree, serverRoot: parser.serverRoot),
                files: parser.files)
        case .haproxy:
            var reader = ConfigReader(limits: limits)
            let bytes = try reader.enter(path, from: nil)
            let sections = try HAProxyParser.sections(bytes, file: path)
            var builder = HAProxySiteBuilder(configDirectory: PathResolution.directory(of: path), reader: reader)
            let sites = try builder.sites(in: sections)
            return ParsedConfiguration(server: .haproxy, path: path, sites: sites, files: builder.reader.files)
        }
    }

    /// The server a configuration is for: by file name first, then by content.
    package static func detect(path: String, limits: ReadLimits = ReadLimits()) throws(LintError) -> ServerKind {
        let name = path.split(separator: "/").last.map(String.init)?.lowercased() ?? ""
        if name.contains("nginx") { return .nginx }
        if name.contains("apache") || name.contains("httpd") { return .apache }
        if name.contains("haproxy") { return .haproxy }
        let here = SourceLocation(file: path, line: 0)
        let bytes: [UInt8]
        switch BoundedFile.read(path, limit: limits.maximumFileSize) {
        case .success(let read): bytes = read
        case .failure(let problem): throw LintError(.unreadable, at: here, "\(path) \(problem)")
        }
        try ConfigReader.requireText(bytes, file: path)
        if let kind = detect(content: String(decoding: bytes, as: UTF8.self)) { return kind }
        throw LintError(
            .unknownServer, at: here,
            "cannot tell which server \(path) is for; name it with --nginx, --apache or --haproxy"
        )
    }

    /// The server whose syntax `text` uses, judged by telling lines; nil when unclear.
    static func detect(content text: String) -> ServerKind? {
        var scores: [ServerKind: Int] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).prefix(5_000) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix("#") { continue }
            let lower = trimmed.lowercased()
            if lower.hasPrefix("<virtualhost") || lower.hasPrefix("<ifmodule") || lower.hasPrefix("sslengine")
                || lower.hasPrefix("servername ") || lower.hasPrefix("sslcertificatefile")
                || lower.hasPrefix("listen ") && !lower.hasSuffix(";")
                    && !lower.contains("bind")
            {
                scores[.apache, default: 0] += 1
            }
            if lower.hasSuffix(";") || lower.hasSuffix("{") || lower.hasPrefix("server {") || lower.hasPrefix("http {")
            {
                scores[.nginx, default: 0] += 1
            }
            if lower.hasPrefix("frontend ") || lower.hasPrefix("backend ") || lower == "global" || lower == "defaults"
                || lower.hasPrefix("bind ") || lower.hasPrefix("listen ") && !lower.hasSuffix(";")
            {
                scores[.haproxy, default: 0] += 1
            }
        }
        guard let best = scores.max(by: { $0.value < $1.value }), best.value > 0 else { return nil }
        return best.key
    }
}
