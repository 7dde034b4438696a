import Foundation
import Yams

/// Reads a `staple run` YAML configuration into a ``RunConfiguration``.
///
/// The keys are exactly those of docs/run-configuration.md; anything else is an error naming
/// `file:line` (with the nearest known key for a misspelling), as are wrong types, missing keys,
/// duplicate site names and sites without an output. Relative paths are taken relative to the
/// configuration file's directory.
package enum RunConfigurationLoader {
    /// 4 MiB: a thousand sites take about 300 KiB.
    package static let maximumSize = 4 << 20

    static let topKeys = [
        "state_directory", "metrics_listen", "certificate_poll_interval", "store", "store_password_file", "sites",
    ]
    static let siteKeys = [
        "name", "certificate", "issuer", "responder", "refresh_margin", "timeout", "nginx", "haproxy", "directory",
    ]
    static let nginxKeys = ["staple_file", "include_file", "reload", "pid_file", "confirm", "server_name"]
    static let haproxyKeys = ["crt", "socket"]

    /// Reads and parses the file at `path`.
    ///
    /// - Throws: ``ConfigurationError``: `.unreadable` when the file cannot be read or is not UTF-8
    ///   text, otherwise what ``parse(yaml:path:)`` throws.
    package static func load(path: String) throws(ConfigurationError) -> RunConfiguration {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigurationError(.unreadable, subject: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw ConfigurationError(.unreadable, subject: path, reason: "is a directory")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ConfigurationError(.unreadable, subject: path, reason: "cannot be read (permission?)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maximumSize + 1) ?? Data()
        } catch {
            throw ConfigurationError(
                .unreadable, subject: path, reason: "cannot be read: \(error.localizedDescription)")
        }
        guard data.count <= maximumSize else {
            throw ConfigurationError(.unreadable, subject: path, reason: "larger than \(maximumSize >> 20) MiB")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(.unreadable, subject: path, reason: "not UTF-8 text")
        }
        return try parse(yaml: text, path: path)
    }

    /// Parses `yaml`; `path` is used in messages and to resolve relative paths.
    ///
    /// - Throws: ``ConfigurationError`` whose subject is `path:line`.
    package static func parse(yaml: String, path: String) throws(ConfigurationError) -> RunConfiguration {
        if let line = YAMLAliasGuard.firstAlias(in: yaml) {
            throw ConfigurationError(
                .syntax, subject: "\(path):\(line)",
                reason:
                    "YAML aliases (`*name`) are not supported: write the value out (quote a value that starts with `*`)"
            )
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ConfigurationError(
                    .syntax, subject: path,
                    reason: "empty configuration: it needs at least `state_directory` and `sites`")
            }
            root = node
        } catch let error as ConfigurationError {
            throw error
        } catch let error as YamlError {
            throw syntaxError(error, yaml: yaml, path: path)
        } catch {
            throw ConfigurationError(.syntax, subject: path, reason: "not YAML: \(error)")
        }
        let directory = ConfigurationPath.directory(of: path)
        let top = try YAMLMap(root, file: path, what: "the configuration", allowed: topKeys)
        let stateDirectory = try top.required("state_directory", meaning: "a directory path")
        let metricsListen = try top.string("metrics_listen", meaning: "HOST:PORT")
        if let metricsListen, HostPort(metricsListen) == nil {
            throw ConfigurationError(
                .invalidValue, subject: "\(path):\(top.line(of: "metrics_listen"))",
                reason: "`metrics_listen` is `\(metricsListen)`; it must be HOST:PORT (`127.0.0.1:9180`, `[::1]:9180`)")
        }
        let store = try top.string("store", meaning: "a PostgreSQL URL")
        if let store, !(store.hasPrefix("postgresql://") || store.hasPrefix("postgres://")) {
            throw ConfigurationError(
                .invalidValue, subject: "\(path):\(top.line(of: "store"))",
                reason: "`store` must be a PostgreSQL URL starting with postgresql:// or postgres://, not `\(store)`")
        }
        let storePasswordFile = try top.string("store_password_file", meaning: "a file path")
        if storePasswordFile != nil, store == nil {
            throw ConfigurationError(
                .invalidValue, subject: "\(path):\(top.line(of: "store_password_file"))",
                reason: "`store_password_file` is for the `store`, and there is no `store:` in this configuration")
        }
        guard let sitesNode = top.node("sites") else {
            throw ConfigurationError(
                .missingKey, subject: top.has("sites") ? "\(path):\(top.line(of: "sites"))" : top.location,
                reason: "the configuration lacks `sites` (a list of sites, each with `name` and `certificate`)")
        }
        guard case .sequence(let list) = sitesNode else {
            throw ConfigurationError(
                .syntax, subject: YAMLMap.location(path, sitesNode),
                reason:
                    "`sites` must be a list (each site starting with `- name: ...`), not \(YAMLMap.kind(of: sitesNode))"
            )
        }
        guard !list.isEmpty else {
            throw ConfigurationError(
                .invalidValue, subject: YAMLMap.location(path, sitesNode), reason: "`sites` is empty: nothing to manage"
            )
        }
        var sites: [SiteConfiguration] = []
        var lines: [String: Int] = [:]
        var targets: [String: (name: String, line: Int)] = [:]
        for (index, node) in list.enumerated() {
            let site = try self.site(node, number: index + 1, file: path, directory: directory)
            if let first = lines[site.name] {
                throw ConfigurationError(
                    .duplicateSite, subject: "\(path):\(site.line ?? 0)",
                    reason: "a second site named `\(site.name)` (the first is at line \(first)); names must be unique")
            }
            lines[site.name] = site.line ?? 0
            // Two sites writing one file would overwrite each other's staple.
            for (key, file) in [("staple_file", site.nginx?.stapleFile), ("crt", site.haproxy?.crt)] {
                guard let file else { continue }
                if let owner = targets[file] {
                    throw ConfigurationError(
                        .invalidValue, subject: "\(path):\(site.line ?? 0)",
                        reason:
                            "site `\(site.name)` has the same `\(key)` as site `\(owner.name)` (line \(owner.line)), "
                            + "\(file): each file holds one certificate's staple")
                }
                targets[file] = (site.name, site.line ?? 0)
            }
            sites.append(site)
        }
        return RunConfiguration(
            stateDirectory: ConfigurationPath.resolve(stateDirectory, against: directory), metricsListen: metricsListen,
            certificatePollInterval: try top.duration("certificate_poll_interval")
                ?? RunConfiguration.defaultCertificatePollInterval,
            sites: sites, store: store,
            storePasswordFile: storePasswordFile.map { ConfigurationPath.resolve($0, against: directory) }, path: path)
    }

    private static func site(
        _ node: Node, number: Int, file: String, directory: String
    ) throws(ConfigurationError) -> SiteConfiguration {
        // Messages name the site by its name when it has a usable one, else by its place in the list.
        var what = "site \(number) of `sites`"
        if case .mapping(let mapping) = node, let written = mapping["name"]?.scalar?.string, SiteName.isValid(written) {
            what = "site `\(written)`"
        }
        let map = try YAMLMap(node, file: file, what: what, allowed: siteKeys)
        let name = try map.required("name", meaning: "a name (letters, digits, `.`, `_`, `-`)")
        guard SiteName.isValid(name) else {
            throw ConfigurationError(
                .invalidValue, subject: "\(file):\(map.line(of: "name"))",
                reason:
                    "site name `\(name)` may only hold letters, digits, `.`, `_` and `-` (it names `<name>.der` files)")
        }
        func path(_ text: String) -> String { ConfigurationPath.resolve(text, against: directory) }
        let certificate = try map.required("certificate", meaning: "the PEM chain file, leaf first")
        let responder = try map.string("responder", meaning: "an http:// URL")
        if let responder, !(responder.hasPrefix("http://") || responder.hasPrefix("https://")) {
            throw ConfigurationError(
                .invalidValue, subject: "\(file):\(map.line(of: "responder"))",
                reason: "`responder` of site `\(name)` must be an http:// (or https://) URL, not `\(responder)`")
        }
        let nginx = try map.node("nginx").map { node throws(ConfigurationError) in
            try nginxOutput(node, site: name, file: file, line: map.line(of: "nginx"), resolve: path)
        }
        let haproxy = try map.node("haproxy").map { node throws(ConfigurationError) in
            try haproxyOutput(node, site: name, file: file, line: map.line(of: "haproxy"), resolve: path)
        }
        let outputDirectory = try map.string("directory", meaning: "a directory path").map(path)
        guard nginx != nil || haproxy != nil || outputDirectory != nil else {
            throw ConfigurationError(
                .noOutput, subject: map.location,
                reason:
                    "site `\(name)` has no output: give it `nginx`, `haproxy` or `directory` (where its staple goes)")
        }
        return SiteConfiguration(
            name: name, certificate: path(certificate),
            issuer: try map.string("issuer", meaning: "a PEM file holding the issuer").map(path),
            responder: responder, refreshMargin: try map.duration("refresh_margin"),
            timeout: try map.duration("timeout"),
            nginx: nginx, haproxy: haproxy, directory: outputDirectory, line: map.line)
    }

    private static func nginxOutput(
        _ node: Node, site: String, file: String, line: Int, resolve: (String) -> String
    ) throws(ConfigurationError) -> NginxOutputConfiguration {
        let map = try YAMLMap(node, file: file, what: "`nginx` of site `\(site)`", allowed: nginxKeys, line: line)
        let stapleFile = try map.required("staple_file", meaning: "the path its ssl_stapling_file names")
        let command = try map.string("reload", meaning: "a command (`nginx -s reload`)")
        let pidFile = try map.string("pid_file", meaning: "nginx's pid file (`/run/nginx.pid`)")
        let reload: NginxOutputConfiguration.Reload
        switch (command, pidFile) {
        case (let command?, nil): reload = .command(command)
        case (nil, let pidFile?): reload = .pidFile(resolve(pidFile))
        case (.some, .some):
            throw ConfigurationError(
                .invalidValue, subject: "\(file):\(map.line(of: "pid_file"))",
                reason: "`nginx` of site `\(site)` has both `reload` and `pid_file`; keep one")
        case (nil, nil):
            throw ConfigurationError(
                .missingKey, subject: map.location,
                reason:
                    "`nginx` of site `\(site)` needs `reload: <command>` or `pid_file: <path>` (SIGHUP) to reload nginx"
            )
        }
        let confirm = try map.string("confirm", meaning: "HOST:PORT")
        if let confirm, HostPort(confirm) == nil {
            throw ConfigurationError(
                .invalidValue, subject: "\(file):\(map.line(of: "confirm"))",
                reason: "`confirm` of site `\(site)` is `\(confirm)`; it must be HOST:PORT (`127.0.0.1:443`)")
        }
        let includeFile = try map.string("include_file", meaning: "the snippet the server{} includes")
        return NginxOutputConfiguration(
            stapleFile: resolve(stapleFile), reload: reload, confirm: confirm,
            serverName: try map.string("server_name", meaning: "the SNI name to send"),
            includeFile: includeFile.map(resolve))
    }

    private static func haproxyOutput(
        _ node: Node, site: String, file: String, line: Int, resolve: (String) -> String
    ) throws(ConfigurationError) -> HAProxyOutputConfiguration {
        let map = try YAMLMap(node, file: file, what: "`haproxy` of site `\(site)`", allowed: haproxyKeys, line: line)
        let crt = try map.required("crt", meaning: "the PEM file HAProxy's `crt` names")
        let socket = try map.string("socket", meaning: "a Unix socket path or tcp:HOST:PORT").map {
            text throws(ConfigurationError) in
            try socketAddress(text, resolve: resolve, at: "\(file):\(map.line(of: "socket"))", site: site)
        }
        return HAProxyOutputConfiguration(crt: resolve(crt), socket: socket)
    }

    /// `tcp:HOST:PORT` or a Unix socket path (resolved), no longer than HAProxy accepts.
    static func socketAddress(
        _ text: String, resolve: (String) -> String, at location: String, site: String
    ) throws(ConfigurationError) -> HAProxyOutputConfiguration.Socket {
        if text.hasPrefix("tcp:") {
            guard let address = HostPort(String(text.dropFirst(4))) else {
                throw ConfigurationError(
                    .invalidValue, subject: location,
                    reason:
                        "`socket` of site `\(site)` is `\(text)`; a TCP socket is tcp:HOST:PORT (`tcp:127.0.0.1:9999`)")
            }
            return .tcp(host: address.host, port: address.port)
        }
        if let at = text.firstIndex(of: "@"), ["ipv4", "ipv6", "unix", "abns", "fd"].contains(String(text[..<at])) {
            throw ConfigurationError(
                .invalidValue, subject: location,
                reason:
                    "`socket` of site `\(site)` is written in HAProxy's syntax (`\(text)`); write a path or tcp:HOST:PORT"
            )
        }
        let path = resolve(text)
        let limit = HAProxyOutputConfiguration.maximumUnixSocketPathLength
        guard path.utf8.count <= limit else {
            throw ConfigurationError(
                .invalidValue, subject: location,
                reason:
                    "the Unix socket path of site `\(site)` is \(path.utf8.count) bytes (\(path)); HAProxy binds at most "
                    + "\(limit): use a shorter path or a TCP socket (tcp:127.0.0.1:9999)")
        }
        return .unix(path: path)
    }

    /// A YAML syntax error as `file:line` and libyaml's words.
    private static func syntaxError(_ error: YamlError, yaml: String, path: String) -> ConfigurationError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let text = [context?.text, problem].compactMap { $0 }.joined(separator: " ")
            return ConfigurationError(.syntax, subject: "\(path):\(mark.line)", reason: "YAML syntax: \(text)")
        case .reader(let problem, let offset, _, _):
            let line = offset.map { YAMLLines.count(yaml.utf8.prefix($0)) } ?? 0
            return ConfigurationError(.syntax, subject: "\(path):\(line)", reason: "not YAML text: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "`\($0)`" }.joined(separator: ", ")
            return ConfigurationError(
                .syntax, subject: "\(path):\(context.mark.line)",
                reason: "the key \(keys) is written twice in one mapping")
        default:
            return ConfigurationError(.syntax, subject: path, reason: "YAML: \(error)")
        }
    }
}
