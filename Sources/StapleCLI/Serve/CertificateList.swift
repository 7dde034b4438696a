import Foundation
import StapleFiles
import TLSStapling

/// `staple serve --cert-list FILE`: one certificate per line, its PEM chain then its private key,
/// separated by whitespace (a path with a space in it cannot be listed); `#` starts a comment.
/// Relative paths are read from the list's directory. For thousands of certificates, where
/// repeated `--cert`/`--key` options make the command line long and slow to parse (10,000 pairs
/// took 37 s of start-up in the argument parser).
///
///     # chain                      key
///     certs/www.example.pem        keys/www.example.key
///     /etc/ssl/api.example.pem     /etc/ssl/private/api.example.key
enum CertificateList {
    /// The pairs of `text`, read from `file` (which names the lines in errors).
    static func parse(_ text: String, file: String) throws(CommandError) -> [TLSCertificateSource] {
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        var sources: [TLSCertificateSource] = []
        for entry in ListFile.entries(text) {
            let fields = entry.text.split(whereSeparator: \.isWhitespace)
            guard fields.count == 2 else {
                throw CommandError(
                    .unusableInput, subject: "\(file):\(entry.line)",
                    reason: "expected a certificate chain and its key, separated by whitespace; found \(fields.count) fields")
            }
            let (chain, key) = (resolve(String(fields[0]), in: directory), resolve(String(fields[1]), in: directory))
            sources.append(TLSCertificateSource(chainPath: chain, keyPath: key))
        }
        guard !sources.isEmpty else {
            throw CommandError(.unusableInput, subject: file, reason: "lists no certificate")
        }
        return sources
    }

    /// The pairs listed in the file at `path`.
    static func load(_ path: String) throws(CommandError) -> [TLSCertificateSource] {
        let bytes = try InputFiles.bytes(path, what: "certificate list")
        return try parse(String(decoding: bytes, as: UTF8.self), file: path)
    }

    private static func resolve(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") ? path : "\(directory)/\(path)"
    }
}
