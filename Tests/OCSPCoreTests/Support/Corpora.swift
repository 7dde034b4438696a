import Foundation
import OCSPCore
import StapleFiles
import Testing
import X509

/// The third-party corpora in `../shared/corpora`, read in place.
enum Corpora {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/corpora")

    struct Case: CustomTestStringConvertible {
        var folder: String
        var fields: [String]
        var testDescription: String { "\(folder): \(fields.joined(separator: " "))" }
    }

    /// The rows of a `cases.tsv`, comments dropped.
    static func cases(_ folder: String, _ file: String = "cases.tsv") -> [Case] {
        let url = root.appendingPathComponent(folder).appendingPathComponent(file)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            // Reported by `corporaArePresent`; an empty list would silently test nothing.
            return []
        }
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map {
            Case(folder: folder, fields: $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init))
        }
    }

    static func bytes(_ folder: String, _ name: String) throws -> [UInt8] {
        let data = try Data(contentsOf: root.appendingPathComponent(folder).appendingPathComponent(name))
        if name.hasSuffix(".ors") {
            // OpenSSL's test responses are base64 of one DER response, possibly wrapped.
            let text = String(decoding: data, as: UTF8.self).filter { !$0.isWhitespace }
            guard let decoded = Data(base64Encoded: text) else {
                throw OCSPCoreError(.unreadableCertificate, subject: name, reason: "bad base64")
            }
            return Array(decoded)
        }
        return Array(data)
    }

    static func certificate(_ folder: String, _ name: String) throws -> Certificate {
        try InputFile.certificates(
            atPath: root.appendingPathComponent(folder).appendingPathComponent(name).path)[0]
    }
}
