import Foundation
import OCSPCore
import StapleFiles
import X509

/// What `--check-config` checks beyond the syntax: that the files exist, and that each certificate
/// has an issuer and an OCSP URL.
///
/// Per site, in this order: the certificate file exists and holds PEM certificates; `issuer:` too,
/// when given; the leaf's issuer is in its chain or in `issuer:` (a certificate whose subject is the
/// leaf's issuer name); the leaf has an OCSP URL or the site a `responder:`; the directories of
/// `staple_file` and `crt` exist, and `crt` itself; `pid_file` is readable, when given.
package enum RunConfigurationValidator {
    /// Every problem found, in the order of the sites; empty when the configuration can run.
    package static func problems(in configuration: RunConfiguration) -> [ConfigurationError] {
        configuration.sites.flatMap { problems(of: $0, at: configuration.location(of: $0)) }
    }

    private static func problems(of site: SiteConfiguration, at location: String) -> [ConfigurationError] {
        var problems: [ConfigurationError] = []
        func problem(_ code: ConfigurationErrorCode, _ reason: String) {
            problems.append(ConfigurationError(code, subject: location, reason: "site `\(site.name)`: \(reason)"))
        }
        func certificates(_ path: String, role: String) -> [Certificate]? {
            guard FileManager.default.fileExists(atPath: path) else {
                problem(.missingFile, "its \(role) \(path) does not exist")
                return nil
            }
            do {
                return try InputFile.certificates(atPath: path)
            } catch {
                problem(.badCertificate, "its \(role) \(error.message)")
                return nil
            }
        }
        let chain = certificates(site.certificate, role: "certificate")
        let issuerFile = site.issuer.flatMap { certificates($0, role: "issuer") }
        if let chain, let leaf = chain.first {
            let serial = leaf.serialNumber.bytes.map { String(format: "%02X", $0) }.joined()
            let candidates = chain.dropFirst() + (issuerFile ?? [])
            if site.issuer == nil || issuerFile != nil, !candidates.contains(where: { $0.subject == leaf.issuer }) {
                problem(
                    .noIssuer,
                    "the issuer of \(site.certificate) (serial \(serial)), \(leaf.issuer), is neither in that file after "
                        + "the leaf nor in `issuer:`" + (site.issuer.map { " (\($0))" } ?? "; add `issuer: <PEM file>`")
                )
            }
            if site.responder == nil, leaf.ocspURLs.isEmpty {
                problem(
                    .noResponder,
                    "\(site.certificate) (serial \(serial)) has no OCSP URL; name the responder with `responder: http://...`"
                )
            }
        }
        func directoryExists(_ path: String, key: String) {
            let directory = (path as NSString).deletingLastPathComponent
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                problem(.missingFile, "the directory of its `\(key)` \(path) does not exist")
                return
            }
        }
        if let nginx = site.nginx {
            directoryExists(nginx.stapleFile, key: "staple_file")
            if case .pidFile(let path) = nginx.reload, !FileManager.default.isReadableFile(atPath: path) {
                problem(.missingFile, "its `pid_file` \(path) cannot be read (is nginx running?)")
            }
        }
        if let haproxy = site.haproxy {
            directoryExists(haproxy.crt, key: "crt")
            if !FileManager.default.isReadableFile(atPath: haproxy.crt) {
                problem(.missingFile, "its `crt` \(haproxy.crt) does not exist or cannot be read")
            }
        }
        return problems
    }
}
