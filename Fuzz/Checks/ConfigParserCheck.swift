import ConfigLint
import Foundation

/// nginx, Apache and HAProxy configurations as `staple lint` reads them: the input is the main
/// file, in a directory of its own (so relative includes find nothing but itself).
///
/// Invariants: parsing either yields sites, each located in a file that was read, at a line that
/// exists; or it is refused with a ``LintError`` naming a non-empty file and a line that exists (0
/// for the whole file). Bounded time per input is libFuzzer's `-timeout` (see `Fuzz/run`).
enum ConfigParserCheck {
    static func prepare() { _ = FuzzFixtures.scratch }

    static func check(_ bytes: [UInt8], server: ServerKind) throws(InvariantViolation) {
        let target: FuzzTarget =
            switch server {
            case .nginx: .nginx
            case .apache: .apache
            case .haproxy: .haproxy
            }
        let path = "\(FuzzFixtures.scratch)/\(target.rawValue).conf"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            fatalError("cannot write \(path)")
        }
        let lines = bytes.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        func exists(_ location: SourceLocation, in files: [String]) -> Bool {
            guard !location.file.isEmpty, location.line >= 0 else { return false }
            if location.file == path { return location.line <= lines }
            return files.isEmpty || files.contains(location.file) || location.line == 0
                || FileManager.default.fileExists(atPath: location.file)
        }
        do {
            let parsed = try ConfigurationParser.parse(path: path, as: server)
            guard parsed.files.first == path else {
                throw InvariantViolation(target, "the main file is not the first file read: \(parsed.files.prefix(3))")
            }
            for site in parsed.sites {
                guard exists(site.location, in: parsed.files) else {
                    throw InvariantViolation(target, "site \(site.name) at \(site.location), a place that does not exist")
                }
                for slot in site.certificates where !exists(slot.certificate.location, in: parsed.files) {
                    throw InvariantViolation(
                        target, "certificate \(slot.certificate.value) at \(slot.certificate.location), a place that does not exist")
                }
            }
        } catch let error as InvariantViolation {
            throw error
        } catch let error as LintError {
            guard exists(error.location, in: []) else {
                throw InvariantViolation(target, "refused without a file and line that exist: \(error)")
            }
        } catch {
            throw InvariantViolation(target, "an error that is not a LintError: \(error)")
        }
    }
}
