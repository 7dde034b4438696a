import Foundation
import StapleTestSupport

/// A discovery fixture tree (Fixtures/Discovery/<name>) copied into a temporary directory with
/// `{{ROOT}}` and `{{PORT_...}}` filled in, and a PKI to write its certificates from.
final class DiscoveryFixtureTree {
    let root: String
    let pki: TestPKI
    /// The port each `{{PORT_NAME}}` became, by NAME.
    let ports: [String: Int]

    init(_ name: String) throws {
        guard let source = Bundle.module.url(forResource: "Fixtures/Discovery/\(name)", withExtension: nil)?.path else {
            throw ToolError(description: "fixture tree Fixtures/Discovery/\(name) is not in the test bundle")
        }
        root = try TemporaryDirectory.make(prefix: "staple-discovery-\(name)")
        pki = try TestPKI(name: "discovery-\(name)")
        var ports: [String: Int] = [:]
        let files = FileManager.default.enumerator(atPath: source)?.compactMap { $0 as? String } ?? []
        for relative in files.sorted() {
            let from = "\(source)/\(relative)"
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: from, isDirectory: &isDirectory)
            let to = "\(root)/\(relative)"
            if isDirectory.boolValue {
                try FileManager.default.createDirectory(atPath: to, withIntermediateDirectories: true)
                continue
            }
            var text = try String(contentsOfFile: from, encoding: .utf8).replacingOccurrences(
                of: "{{ROOT}}", with: root)
            while let open = text.range(of: "{{PORT_"),
                let close = text.range(of: "}}", range: open.upperBound..<text.endIndex)
            {
                let key = String(text[open.upperBound..<close.lowerBound])
                if ports[key] == nil { ports[key] = try SystemTools.freePort() }
                text.replaceSubrange(open.lowerBound..<close.upperBound, with: String(ports[key]!))
            }
            try text.write(toFile: to, atomically: true, encoding: .utf8)
        }
        self.ports = ports
        for directory in ["certs", "staples", "logs", "tmp"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(directory)", withIntermediateDirectories: true)
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
        pki.remove()
    }

    /// The port `{{PORT_<name>}}` became.
    func port(_ name: String) -> Int { ports[name] ?? 0 }

    /// `path` under the tree.
    func path(_ relative: String) -> String { "\(root)/\(relative)" }

    /// Issues a server certificate for `commonName` and writes `<base>.pem` (leaf, then the CA unless
    /// `chain` is false), `<base>.key`, or one combined PEM with the key appended (HAProxy's form).
    @discardableResult
    func certificate(
        _ base: String, commonName: String, keyType: TestPKI.KeyType? = nil, chain: Bool = true, combined: Bool = false
    ) throws -> TestPKI.Leaf {
        let leaf = try pki.issue(
            commonName: commonName, keyType: keyType, ocspURLs: ["http://127.0.0.1:\(try SystemTools.freePort())/"],
            writePEM: false)
        let pem = leaf.pem + (chain ? pki.chainPEM : "")
        if combined {
            try (pem + leaf.keyPEM).write(toFile: path("\(base).pem"), atomically: true, encoding: .utf8)
        } else {
            try pem.write(toFile: path("\(base).pem"), atomically: true, encoding: .utf8)
            try leaf.keyPEM.write(toFile: path("\(base).key"), atomically: true, encoding: .utf8)
        }
        return leaf
    }

    /// Writes a good, CA-signed response for `leaf` (DER) to `relative`.
    func staple(for leaf: TestPKI.Leaf, at relative: String) throws {
        try Data(try pki.signedResponse(for: leaf.certificate)).write(to: URL(fileURLWithPath: path(relative)))
    }
}
